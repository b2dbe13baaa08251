import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { newSid } from '../src/domain/sid.js';
import { snakeCase } from '../src/api/render/call-event.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { lastJson, rejectsWith, type Json } from './helpers/sdk.js';

/** The Events list body against Twilio's subset (test/fixtures/call-events-openapi.json), page URIs as uri-reference. */
const spec = JSON.parse(readFileSync(new URL('./fixtures/call-events-openapi.json', import.meta.url), 'utf8'));
const ajv = new Ajv.default({ strict: false, allErrors: true });
addFormats.default(ajv);
const listSchema = structuredClone(spec.paths['/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Events.json'].get.responses['200'].content['application/json'].schema);
for (const key of ['uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri']) listSchema.properties[key].format = 'uri-reference';
// The subset gives `request`/`response` only `nullable` (ajv wants a type with it): objects or
// null, as call-events.md §4 asks ("both must be JSON objects").
const eventSchema = structuredClone(spec.components.schemas['api.v2010.account.call.call_event']);
for (const key of ['request', 'response']) {
  delete eventSchema.properties[key].nullable;
  eventSchema.properties[key].type = ['object', 'null'];
}
listSchema.properties.events.items = eventSchema;
listSchema.required = ['events', 'page', 'page_size', 'start', 'end', 'uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri'];
const validateList = ajv.compile(listSchema);
const RFC2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

/** The subset leaves `request`/`response` untyped; the example fixes their shape (call-events.md §2). */
function assertEventsBody(body: Json): void {
  assert.ok(validateList(body), ajv.errorsText(validateList.errors));
  for (const event of body.events) {
    assert.deepEqual(Object.keys(event).sort(), ['request', 'response']);
    assert.equal(typeof event.request.method, 'string');
    assert.match(event.request.url, /^https?:\/\//);
    for (const [key, value] of Object.entries(event.request.parameters)) {
      assert.match(key, /^[a-z0-9_]+$/, `parameter ${key} is snake_case`);
      assert.equal(typeof value, 'string');
    }
    assert.deepEqual(Object.keys(event.response).sort(), ['content_type', 'date_created', 'request_duration', 'response_body', 'response_code']);
    assert.ok(event.response.response_code === null || Number.isInteger(event.response.response_code));
    assert.ok(Number.isInteger(event.response.request_duration) && event.response.request_duration >= 0);
    assert.match(event.response.date_created, RFC2822);
  }
}

const VOICE = '<Response><Say>Hi</Say><Redirect>/next</Redirect></Response>';
const NEXT = '<Response><Hangup/></Response>';

describe('the Events subresource of a call', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.app.route('/voice', VOICE).route('/next', NEXT).route('/status', '');
    h.app.route('/broken', () => ({ status: 500, body: 'app crashed', type: 'text/plain' }));
  });
  after(() => h.close());

  const placeAndFinish = async (extra: Record<string, unknown> = {}) => {
    const call = await h.client.calls.create({
      to: '+14155550180', from: '+15005550006', url: `${h.app.url}/voice`,
      statusCallback: `${h.app.url}/status`, statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'], ...extra,
    });
    await h.app.waitFor('/status', (r) => r.params.CallSid === call.sid && r.params.CallStatus === 'completed');
    return call;
  };

  it('lists the creating API request, every webhook and status callback of the call, oldest first, in Twilio’s shape', async () => {
    const call = await placeAndFinish();
    const events = await eventually(() => h.client.calls(call.sid).events.list(), (list) => list.length === 7);
    const body = lastJson(h);
    assertEventsBody(body);
    const raw = body.events as Json[];

    // First, as in Twilio's example: the REST request that created the call, and its answer.
    const created = raw[0]!;
    assert.equal(created.request.method, 'POST');
    assert.equal(created.request.url, `${h.server.url}/2010-04-01/Accounts/${h.server.accountSid}/Calls.json`);
    assert.deepEqual(
      { to: created.request.parameters.to, from: created.request.parameters.from, url: created.request.parameters.url },
      { to: '+14155550180', from: '+15005550006', url: `${h.app.url}/voice` },
    );
    assert.equal(created.request.parameters.status_callback_event, 'initiated ringing answered completed');
    assert.deepEqual([created.response.response_code, created.response.content_type], [201, 'application/json']);
    assert.equal(JSON.parse(created.response.response_body).sid, call.sid);

    const twiml = raw.slice(1).filter((e) => !e.request.url.endsWith('/status'));
    assert.deepEqual(twiml.map((e) => e.request.url), [`${h.app.url}/voice`, `${h.app.url}/next`]);
    const [voice, next] = twiml as [Json, Json];
    assert.equal(voice.request.method, 'POST');
    assert.equal(voice.request.parameters.call_sid, call.sid);
    assert.equal(voice.request.parameters.account_sid, h.server.accountSid);
    assert.equal(voice.request.parameters.call_status, 'in-progress');
    assert.equal(voice.request.parameters.api_version, '2010-04-01');
    assert.deepEqual(
      Object.keys(voice.request.parameters).sort(),
      Object.keys(h.app.to('/voice').find((r) => r.params.CallSid === call.sid)!.params).map(snakeCase).sort(),
      'the parameters the app received, renamed',
    );
    assert.deepEqual(
      [voice.response.response_code, voice.response.content_type, voice.response.response_body],
      [200, 'text/xml', VOICE],
    );
    assert.equal(next.response.response_body, NEXT);

    const callbacks = raw.filter((e) => e.request.url === `${h.app.url}/status`);
    assert.deepEqual(callbacks.map((e) => e.request.parameters.call_status), ['initiated', 'ringing', 'in-progress', 'completed']);
    assert.deepEqual(callbacks.map((e) => e.request.parameters.sequence_number), ['0', '1', '2', '3']);
    assert.ok(callbacks.every((e) => e.response.response_code === 200));

    const dates = raw.map((e) => Date.parse(e.response.date_created));
    assert.ok(dates.every((d, i) => i === 0 || d >= dates[i - 1]!), 'oldest first');
    // The SDK exposes exactly `request` and `response`, untouched.
    assert.deepEqual(events[0]!.request, raw[0]!.request);
    assert.deepEqual(events[0]!.response, raw[0]!.response);
  });

  it('pages with PageSize and next_page_uri; the SDK follows the pages to the end', async () => {
    const call = await placeAndFinish();
    const all = await eventually(() => h.client.calls(call.sid).events.list(), (list) => list.length === 7);
    const paged = await h.client.calls(call.sid).events.list({ pageSize: 4 });
    assert.deepEqual(paged.map((e) => e.request), all.map((e) => e.request));
    const first = await h.client.calls(call.sid).events.page({ pageSize: 4 });
    const body = lastJson(h);
    assertEventsBody(body);
    assert.equal(body.events.length, 4);
    assert.equal(body.page_size, 4);
    assert.equal(body.uri, `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${call.sid}/Events.json?PageSize=4&Page=0`);
    assert.match(body.next_page_uri, /^\/2010-04-01\/Accounts\/AC\w+\/Calls\/CA\w+\/Events\.json\?PageSize=4&Page=1&PageToken=PA\d+$/);
    const second = await first.nextPage();
    assertEventsBody(lastJson(h));
    assert.equal(second!.instances.length, 3);
    assert.equal(lastJson(h).next_page_uri, null);
  });

  it('logs a failed request with its status and body, then the fallback that answered', async () => {
    const call = await h.client.calls.create({
      to: '+14155550181', from: '+15005550006', url: `${h.app.url}/broken`, fallbackUrl: `${h.app.url}/next`,
    });
    const events = await eventually(() => h.client.calls(call.sid).events.list(), (list) => list.length === 3);
    const [broken, fallback] = events.slice(1).map((e) => ({ request: e.request as Json, response: e.response as Json }));
    assert.equal(broken!.request.url, `${h.app.url}/broken`);
    assert.deepEqual([broken!.response.response_code, broken!.response.response_body], [500, 'app crashed']);
    assert.equal(fallback!.request.url, `${h.app.url}/next`);
    assert.equal(fallback!.request.parameters.error_code, '11200');
    assert.equal(fallback!.request.parameters.error_url, `${h.app.url}/broken`);
    assert.equal(fallback!.response.response_code, 200);
  });

  it('logs a REST update of the live call with what it changed, and never a SIP password', async () => {
    h.app.route('/hold', '<Response><Pause length="3600"/></Response>');
    // The simulated network answers SIP addresses too; the password is for the dial only.
    const live = await h.client.calls.create({
      to: 'sip:alice@127.0.0.1:1', from: '+15005550006', url: `${h.app.url}/hold`, sipAuthUsername: 'alice', sipAuthPassword: 's3cret',
    });
    await eventually(() => h.client.calls(live.sid).fetch(), (c) => c.status === 'in-progress');
    await h.client.calls(live.sid).update({ url: `${h.app.url}/next`, method: 'POST' });
    const events = await eventually(() => h.client.calls(live.sid).events.list(), (list) =>
      list.some((e) => (e.request as Json).url.endsWith(`/Calls/${live.sid}.json`)) && list.some((e) => (e.request as Json).url.endsWith('/next')));
    const update = events.find((e) => (e.request as Json).url.endsWith(`/Calls/${live.sid}.json`))!;
    assert.deepEqual((update.request as Json).parameters, { url: `${h.app.url}/next`, method: 'POST' });
    assert.equal((update.response as Json).response_code, 200);
    assert.equal((events[0]!.request as Json).parameters.sip_auth_username, 'alice');
    assert.ok(events.every((e) => !JSON.stringify(e.request).includes('s3cret')), 'the password is not logged');
  });

  it('answers 20404 for a call the account does not have, and the call’s subresource_uris point here', async () => {
    await rejectsWith(h.client.calls(newSid('CA')).events.list(), 404, 20404);
    const call = await placeAndFinish();
    await h.client.calls(call.sid).fetch();
    assert.equal(lastJson(h).subresource_uris.events, `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${call.sid}/Events.json`);
  });

  it('snake_cases parameter names the way Twilio’s example does', () => {
    assert.deepEqual(
      ['CallSid', 'SipResponseCode', 'FromCity', 'AddOns', 'SIPHeader', 'account_sid', 'Digits'].map(snakeCase),
      ['call_sid', 'sip_response_code', 'from_city', 'add_ons', 'sip_header', 'account_sid', 'digits'],
    );
  });
});
