import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

/**
 * Validates Message bodies against Twilio's OpenAPI subset (`test/fixtures/messages-openapi.json`,
 * the reference pack's copy), with Twilio's custom formats registered and the list envelope's
 * page URIs checked as `uri-reference` (Twilio returns relative paths).
 */
const spec = JSON.parse(readFileSync(new URL('../fixtures/messages-openapi.json', import.meta.url), 'utf8'));
const ajv = new Ajv.default({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat('date-time-rfc-2822', /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
for (const format of ['endpoint', 'phone-number', 'http-method', 'uri-map', 'currency', 'twiml']) ajv.addFormat(format, true);
ajv.addSchema({ components: spec.components }, 'spec');

const NAME = 'api.v2010.account.message';
const validateMessage = ajv.compile({ $ref: `spec#/components/schemas/${NAME}` });
const KEYS = Object.keys(spec.components.schemas[NAME].properties);
const listSchema = structuredClone(spec.paths['/2010-04-01/Accounts/{AccountSid}/Messages.json'].get.responses['200'].content['application/json'].schema);
for (const uri of ['uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri']) listSchema.properties[uri].format = 'uri-reference';
listSchema.properties.messages.items = { $ref: `spec#/components/schemas/${NAME}` };
listSchema.required = ['messages', 'page', 'page_size', 'start', 'end', 'uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri'];
const validateList = ajv.compile(listSchema);

/** Asserts that a Message body matches the spec and carries every key of its schema, and no other. */
export function assertMessageBody(body: unknown): void {
  assert.ok(validateMessage(body), ajv.errorsText(validateMessage.errors));
  assert.deepEqual(Object.keys(body as object).sort(), [...KEYS].sort(), 'every key of the Message schema');
}

/** Asserts that a Messages list page matches the spec's ListMessageResponse, every item included. */
export function assertMessageList(body: unknown): void {
  assert.ok(validateList(body), ajv.errorsText(validateList.errors));
  for (const item of (body as { messages: unknown[] }).messages) assertMessageBody(item);
}

const MEDIA = 'api.v2010.account.message.media';
const validateMedia = ajv.compile({ $ref: `spec#/components/schemas/${MEDIA}` });
const mediaListSchema = structuredClone(spec.paths['/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json'].get.responses['200'].content['application/json'].schema);
for (const uri of ['uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri']) mediaListSchema.properties[uri].format = 'uri-reference';
mediaListSchema.properties.media_list.items = { $ref: `spec#/components/schemas/${MEDIA}` };
mediaListSchema.required = ['media_list', 'page', 'page_size', 'start', 'end', 'uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri'];
const validateMediaList = ajv.compile(mediaListSchema);

/** Asserts that a Media list page matches the spec's ListMediaResponse, every item with every key. */
export function assertMediaList(body: unknown): void {
  assert.ok(validateMediaList(body), ajv.errorsText(validateMediaList.errors));
  for (const item of (body as { media_list: unknown[] }).media_list) {
    assert.ok(validateMedia(item), ajv.errorsText(validateMedia.errors));
    assert.deepEqual(Object.keys(item as object).sort(), Object.keys(spec.components.schemas[MEDIA].properties).sort());
  }
}
