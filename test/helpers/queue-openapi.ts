import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

/** Validates Queue and Member bodies against Twilio's OpenAPI subset (`test/fixtures/queues-openapi.json`). */
const spec = JSON.parse(readFileSync(new URL('../fixtures/queues-openapi.json', import.meta.url), 'utf8'));
const ajv = new Ajv.default({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat('date-time-rfc-2822', /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
for (const format of ['endpoint', 'phone-number', 'http-method', 'uri-map', 'currency', 'twiml']) ajv.addFormat(format, true);
ajv.addSchema({ components: spec.components }, 'spec');

const schemas = { queue: 'api.v2010.account.queue', member: 'api.v2010.account.queue.member' } as const;
const validators = Object.fromEntries(Object.entries(schemas).map(([k, name]) => [k, ajv.compile({ $ref: `spec#/components/schemas/${name}` })]));

/** Asserts that a body matches the spec and carries every key of its schema, and no other. */
export function assertQueueBody(kind: keyof typeof schemas, body: unknown): void {
  const validate = validators[kind]!;
  assert.ok(validate(body), ajv.errorsText(validate.errors));
  assert.deepEqual(Object.keys(body as object).sort(), Object.keys(spec.components.schemas[schemas[kind]].properties).sort(), `every key of the ${kind} schema`);
}

const lists = {
  queues: ['/2010-04-01/Accounts/{AccountSid}/Queues.json', 'queue'],
  queue_members: ['/2010-04-01/Accounts/{AccountSid}/Queues/{QueueSid}/Members.json', 'member'],
} as const;
const listValidators = Object.fromEntries(Object.entries(lists).map(([key, [path, kind]]) => {
  const schema = structuredClone(spec.paths[path].get.responses['200'].content['application/json'].schema);
  for (const uri of ['uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri']) schema.properties[uri].format = 'uri-reference';
  schema.properties[key].items = { $ref: `spec#/components/schemas/${schemas[kind]}` };
  schema.required = [key, 'page', 'page_size', 'start', 'end', 'uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri'];
  return [key, ajv.compile(schema)];
}));

/** Asserts that a list page matches the spec's list response, every item included. */
export function assertQueueList(key: keyof typeof lists, body: unknown): void {
  const validate = listValidators[key]!;
  assert.ok(validate(body), ajv.errorsText(validate.errors));
  for (const item of (body as Record<string, unknown[]>)[key]!) assertQueueBody(lists[key][1], item);
}
