import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

/**
 * Validators for one of the reference pack's OpenAPI subsets (`test/fixtures/<name>`): Twilio's
 * custom formats registered, list envelopes' page URIs read as `uri-reference` (Twilio returns
 * relative paths), and every body held to exactly the keys of its schema.
 */
export function openApiSubset<K extends string, L extends string>(options: {
  fixture: string;
  /** kind → schema name under `components.schemas`. */
  schemas: Record<K, string>;
  /** list key → [the list path, the kind of its items]. */
  lists: Record<L, readonly [string, K]>;
  /** Adjusts the spec before compiling (a field the spec mislabels). */
  patch?: (spec: any) => void;
}) {
  const spec = JSON.parse(readFileSync(new URL(`../fixtures/${options.fixture}`, import.meta.url), 'utf8'));
  options.patch?.(spec);
  const ajv = new Ajv.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat('date-time-rfc-2822', /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
  for (const format of ['endpoint', 'phone-number', 'http-method', 'uri-map', 'currency', 'twiml']) ajv.addFormat(format, true);
  ajv.addSchema({ components: spec.components }, 'spec');

  const ref = (kind: K) => ({ $ref: `spec#/components/schemas/${options.schemas[kind]}` });
  const bodies = new Map((Object.keys(options.schemas) as K[]).map((kind) => [kind, ajv.compile(ref(kind))]));
  const lists = new Map((Object.entries(options.lists) as [L, readonly [string, K]][]).map(([key, [path, kind]]) => {
    const schema = structuredClone(spec.paths[path].get.responses['200'].content['application/json'].schema);
    for (const uri of ['uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri']) schema.properties[uri].format = 'uri-reference';
    schema.properties[key].items = ref(kind);
    schema.required = [key, 'page', 'page_size', 'start', 'end', 'uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri'];
    return [key, ajv.compile(schema)];
  }));

  /** Asserts that a body matches the spec and carries every key of its schema, and no other. */
  const assertBody = (kind: K, body: unknown): void => {
    const validate = bodies.get(kind)!;
    assert.ok(validate(body), ajv.errorsText(validate.errors));
    assert.deepEqual(Object.keys(body as object).sort(), Object.keys(spec.components.schemas[options.schemas[kind]].properties).sort(), `every key of the ${kind} schema`);
  };
  /** Asserts that a list page matches the spec's list response, every item included. */
  const assertList = (key: L, body: unknown): void => {
    const validate = lists.get(key)!;
    assert.ok(validate(body), ajv.errorsText(validate.errors));
    for (const item of (body as Record<string, unknown[]>)[key]!) assertBody(options.lists[key][1], item);
  };
  return { assertBody, assertList };
}
