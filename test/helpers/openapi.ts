import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

/**
 * Validates response bodies against Twilio's own OpenAPI subset
 * (`test/fixtures/calls-openapi.json`, a copy of the reference pack's), as its README advises: Twilio's
 * custom formats are registered, and the list envelope's page URIs are checked as
 * `uri-reference` because Twilio returns relative paths.
 */
const spec = JSON.parse(readFileSync(new URL('../fixtures/calls-openapi.json', import.meta.url), 'utf8'));
const ajv = new Ajv.default({ strict: false, allErrors: true });
addFormats.default(ajv);
const RFC2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
ajv.addFormat('date-time-rfc-2822', RFC2822);
for (const format of ['endpoint', 'phone-number', 'http-method', 'uri-map', 'currency', 'twiml']) ajv.addFormat(format, true);
ajv.addSchema({ components: spec.components }, 'spec');

const callRef = { $ref: 'spec#/components/schemas/api.v2010.account.call' };
const listSchema = structuredClone(spec.paths['/2010-04-01/Accounts/{AccountSid}/Calls.json'].get.responses['200'].content['application/json'].schema);
for (const key of ['uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri']) listSchema.properties[key].format = 'uri-reference';
listSchema.properties.calls.items = callRef;
listSchema.required = ['calls', 'page', 'page_size', 'start', 'end', 'uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri'];

const validateCallSchema = ajv.compile(callRef);
const validateListSchema = ajv.compile(listSchema);
const CALL_KEYS = Object.keys(spec.components.schemas['api.v2010.account.call'].properties);

/** Asserts that a Call JSON body matches the spec and carries every key of the schema. */
export function assertCallBody(body: unknown): void {
  assert.ok(validateCallSchema(body), ajv.errorsText(validateCallSchema.errors));
  assert.deepEqual(Object.keys(body as object).sort(), [...CALL_KEYS].sort(), 'every key of the Call schema, and no other');
}

/** Asserts that a Calls list page matches the spec's ListCallResponse. */
export function assertCallListBody(body: unknown): void {
  assert.ok(validateListSchema(body), ajv.errorsText(validateListSchema.errors));
  for (const call of (body as { calls: unknown[] }).calls) assertCallBody(call);
}
