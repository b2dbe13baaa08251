import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import twilio from 'twilio';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertCallBody } from './helpers/openapi.js';
import { lastJson, lastStatus, rejectsWith, type Json } from './helpers/sdk.js';
import { accountPath, assertErrorBody, basicAuth, FROM, HANGUP, HOLD, waitForStatus } from './helpers/rest.js';

/**
 * The Calls resource (calls-api.md, xml-and-errors.md) as the official SDK and raw HTTP see it:
 * create, validation, auth, fetch, XML, delete, and malformed input (listing: calls-list.test.ts).
 */

describe('creating a call', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.app.route('/voice', '<Response><Say>from the url</Say><Pause length="3600"/></Response>');
    h.app.route('/status', '');
  });
  after(() => h.close());

  it('answers 201 with a queued outbound-api call carrying every field of the Call schema', async () => {
    const call = await h.client.calls.create({ to: '+14155550100', from: FROM, twiml: HOLD });
    assert.equal(lastStatus(h), 201);
    const body = lastJson(h);
    assertCallBody(body);
    assert.match(body.sid, /^CA[0-9a-f]{32}$/);
    assert.equal(body.account_sid, h.server.accountSid);
    assert.equal(body.status, 'queued');
    assert.equal(body.direction, 'outbound-api');
    assert.equal(body.to, '+14155550100');
    assert.equal(body.to_formatted, '(415) 555-0100');
    assert.equal(body.from, FROM);
    assert.equal(body.from_formatted, '(500) 555-0006');
    assert.equal(body.api_version, '2010-04-01');
    for (const key of ['start_time', 'end_time', 'duration', 'price', 'parent_call_sid', 'answered_by']) assert.equal(body[key], null, key);
    assert.equal(typeof body.queue_time, 'string');
    const self = `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${body.sid}`;
    assert.equal(body.uri, `${self}.json`);
    assert.ok(Object.keys(body.subresource_uris).length > 0);
    assert.equal(body.subresource_uris.notifications, `${self}/Notifications.json`);
    for (const uri of Object.values<string>(body.subresource_uris)) assert.match(uri, new RegExp(`^${self}/[A-Za-z]+\\.json$`));
    // The SDK reads the same body into its instance.
    assert.equal(call.sid, body.sid);
    assert.equal(call.toFormatted, '(415) 555-0100');
    assert.ok(call.dateCreated instanceof Date && !Number.isNaN(call.dateCreated.getTime()));
    assert.equal(call.startTime, null);
  });

  it('fetches the created call with every field of the Call schema', async () => {
    const created = await h.client.calls.create({ to: '+14155550101', from: FROM, twiml: HOLD });
    const fetched = await h.client.calls(created.sid).fetch();
    assert.equal(lastStatus(h), 200);
    assertCallBody(lastJson(h));
    assert.equal(fetched.sid, created.sid);
    assert.equal(fetched.to, '+14155550101');
    assert.equal(fetched.direction, 'outbound-api');
  });

  it('accepts StatusCallbackEvent as repeated keys and reports each requested event', async () => {
    const call = await h.client.calls.create({
      to: '+14155550102', from: FROM, twiml: HANGUP,
      statusCallback: `${h.app.url}/status`, statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    assert.equal(lastStatus(h), 201);
    for (const status of ['initiated', 'ringing', 'in-progress', 'completed']) {
      await h.app.waitFor('/status', (r) => r.params.CallSid === call.sid && r.params.CallStatus === status);
    }
  });

  it('accepts repeated StatusCallbackEvent keys sent on the wire', async () => {
    const response = await h.rest('POST', `${accountPath(h)}/Calls.json`, {
      To: '+14155550103', From: FROM, Twiml: HANGUP, StatusCallback: `${h.app.url}/status`, StatusCallbackEvent: ['ringing', 'completed'],
    });
    assert.equal(response.status, 201);
    assertCallBody(response.json);
    await h.app.waitFor('/status', (r) => r.params.CallSid === response.json.sid && r.params.CallStatus === 'ringing');
  });

  it('ignores Twiml when Url is also given, and fetches the Url', async () => {
    const call = await h.client.calls.create({
      to: '+14155550104', from: FROM, url: `${h.app.url}/voice`, twiml: '<Response><Say>inline</Say><Hangup/></Response>',
    });
    const request = await h.app.waitFor('/voice', (r) => r.params.CallSid === call.sid);
    assert.equal(request.method, 'POST');
    const heard = await eventually(() => h.sim('GET', `/sim/v1/calls/${call.sid}`), (r) => r.body.heard.some((e: any) => e.text === 'from the url'));
    assert.ok(!heard.body.heard.some((e: any) => e.text === 'inline'), 'the inline Twiml never ran');
  });

  it('accepts a Timeout above the 600 s maximum instead of refusing it', async () => {
    const call = await h.client.calls.create({ to: '+14155550105', from: FROM, twiml: HOLD, timeout: 3600 });
    assert.equal(lastStatus(h), 201);
    assert.equal((await h.client.calls(call.sid).fetch()).sid, call.sid);
  });
});

describe('create validation', () => {
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(() => h.close());

  it('refuses a request without To with 400 / 21201 (the SDK will not send one, so it goes raw)', async () => {
    const response = await h.rest('POST', `${accountPath(h)}/Calls.json`, { From: FROM, Twiml: HOLD });
    assertErrorBody(response, 400, 21201);
  });

  it('refuses a request without From with 400 / 21213', async () => {
    const response = await h.rest('POST', `${accountPath(h)}/Calls.json`, { To: '+14155550100', Twiml: HOLD });
    assertErrorBody(response, 400, 21213);
  });

  it('refuses a To that is not a phone number or address with 400 / 21211', async () => {
    await rejectsWith(h.client.calls.create({ to: 'not a number', from: FROM, twiml: HOLD }), 400, 21211);
    await rejectsWith(h.client.calls.create({ to: '415-555-0100', from: FROM, twiml: HOLD }), 400, 21211);
  });

  it('refuses a call with neither Url nor Twiml with 400 / 21205', async () => {
    await rejectsWith(h.client.calls.create({ to: '+14155550100', from: FROM }), 400, 21205);
  });

  it('refuses a Url that is not an absolute http(s) URL with 400 / 21205', async () => {
    await rejectsWith(h.client.calls.create({ to: '+14155550100', from: FROM, url: 'not a url' }), 400, 21205);
    await rejectsWith(h.client.calls.create({ to: '+14155550100', from: FROM, url: 'ftp://example.com/voice.xml' }), 400, 21205);
  });

  it('refuses a Method other than GET or POST with 400 / 21209', async () => {
    await rejectsWith(h.client.calls.create({ to: '+14155550100', from: FROM, url: 'http://127.0.0.1:9/voice', method: 'PUT' }), 400, 21209);
  });

  it('refuses an unknown StatusCallbackEvent with 400 / 21626', async () => {
    await rejectsWith(
      h.client.calls.create({ to: '+14155550100', from: FROM, twiml: HOLD, statusCallback: 'http://127.0.0.1:9/s', statusCallbackEvent: ['ringing', 'hangup'] }),
      400, 21626,
    );
  });

  it('refuses SendDigits outside 0-9 A-D # * w W, or longer than 32, with 400 / 21206', async () => {
    await rejectsWith(h.client.calls.create({ to: '+14155550100', from: FROM, twiml: HOLD, sendDigits: '12x' }), 400, 21206);
    await rejectsWith(h.client.calls.create({ to: '+14155550100', from: FROM, twiml: HOLD, sendDigits: '1'.repeat(33) }), 400, 21206);
  });

  it('creates nothing when it refuses a request', async () => {
    assert.deepEqual(await h.client.calls.list(), []);
  });
});

describe('authentication', () => {
  let h: Harness;
  let sid: string;
  before(async () => {
    h = await startHarness();
    sid = (await h.client.calls.create({ to: '+14155550100', from: FROM, twiml: HOLD })).sid;
  });
  after(() => h.close());

  it('refuses a wrong auth token with 401 / 20003', async () => {
    const intruder = twilio(h.server.accountSid, '0'.repeat(32));
    intruder.api.baseUrl = h.server.url;
    await rejectsWith(intruder.calls(sid).fetch(), 401, 20003);
    await rejectsWith(intruder.calls.list(), 401, 20003);
    await rejectsWith(intruder.calls.create({ to: '+14155550199', from: FROM, twiml: HOLD }), 401, 20003);
    assert.deepEqual(await h.client.calls.list({ to: '+14155550199' }), [], 'the refused create made no call');
  });

  it('refuses a request without credentials with 401 / 20003 and a Basic challenge', async () => {
    const response = await h.rest('GET', `${accountPath(h)}/Calls/${sid}.json`, undefined, '');
    assertErrorBody(response, 401, 20003);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Basic /);
  });

  it('refuses credentials that do not own the AccountSid in the path with 401 / 20003', async () => {
    const other = 'AC' + 'f'.repeat(32);
    await rejectsWith(h.client.api.v2010.accounts(other).calls(sid).fetch(), 401, 20003);
    await rejectsWith(h.client.api.v2010.accounts(other).calls.list(), 401, 20003);
    await rejectsWith(h.client.api.v2010.accounts(other).calls.create({ to: '+14155550100', from: FROM, twiml: HOLD }), 401, 20003);
  });

  it('answers an unknown call SID with 404 / 20404 in Twilio\'s error body', async () => {
    const unknown = 'CA' + '0'.repeat(32);
    const error = await rejectsWith(h.client.calls(unknown).fetch(), 404, 20404);
    assert.match(error.message, new RegExp(unknown));
    const response = await h.rest('GET', `${accountPath(h)}/Calls/${unknown}.json`);
    assertErrorBody(response, 404, 20404);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  });
});

describe('XML representations', () => {
  let h: Harness;
  let sid: string;
  let older: string;
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false });
  const pascal = (snake: string) => snake.split('_').map((p) => p[0]!.toUpperCase() + p.slice(1)).join('');

  before(async () => {
    h = await startHarness();
    older = (await h.client.calls.create({ to: '+14155550130', from: FROM, twiml: HOLD })).sid;
    sid = (await h.client.calls.create({ to: '+14155550131', from: FROM, twiml: HOLD })).sid;
  });
  after(() => h.close());

  for (const suffix of ['', '.xml']) {
    it(`answers GET …/Calls/{Sid}${suffix} with <TwilioResponse><Call> and PascalCase elements`, async () => {
      const json = (await h.rest('GET', `${accountPath(h)}/Calls/${sid}.json`)).json;
      assertCallBody(json);
      const response = await h.rest('GET', `${accountPath(h)}/Calls/${sid}${suffix}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/xml/);
      const doc = parser.parse(response.body);
      const call = doc.TwilioResponse.Call;
      assert.ok(call, response.body);
      assert.deepEqual(Object.keys(call).sort(), Object.keys(json).map(pascal).sort());
      assert.equal(call.Sid, sid);
      assert.equal(call.To, '+14155550131');
      assert.equal(call.ToFormatted, '(415) 555-0131');
      assert.equal(call.Direction, 'outbound-api');
      for (const [key, value] of Object.entries(json)) {
        if (value === null) assert.match(response.body, new RegExp(`<${pascal(key)}/>|<${pascal(key)}></${pascal(key)}>`), `${key} is null: an empty element`);
      }
      assert.equal(call.Uri, `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${sid}`, '<Uri> has no .json');
      assert.equal(call.SubresourceUris.Notifications, `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${sid}/Notifications`);
      for (const uri of Object.values<string>(call.SubresourceUris)) assert.doesNotMatch(uri, /\.json/);
    });
  }

  it('answers the list in XML with paging attributes on <Calls>, empty for null URIs', async () => {
    const path = `${accountPath(h)}/Calls`;
    const response = await h.rest('GET', `${path}?PageSize=1`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/xml/);
    assert.match(response.body, /<Calls [^>]*previouspageuri=""/);
    const calls = parser.parse(response.body).TwilioResponse.Calls;
    assert.equal(calls.page, '0');
    assert.equal(calls.pagesize, '1');
    assert.equal(calls.previouspageuri, '');
    assert.equal(calls.Call.Sid, sid);
    assert.ok(calls.uri.startsWith(`${path}?`), calls.uri);
    assert.ok(calls.firstpageuri.startsWith(`${path}?`), calls.firstpageuri);
    assert.ok(calls.nextpageuri.startsWith(`${path}?`), calls.nextpageuri);
    for (const uri of [calls.uri, calls.firstpageuri, calls.nextpageuri]) assert.doesNotMatch(uri, /\.json/);

    const next = await h.rest('GET', calls.nextpageuri);
    assert.equal(next.status, 200);
    const page1 = parser.parse(next.body).TwilioResponse.Calls;
    assert.equal(page1.page, '1');
    assert.equal(page1.Call.Sid, older);
    assert.equal(page1.nextpageuri, '');
  });

  it('answers Calls.xml like Calls, with several <Call> items', async () => {
    const response = await h.rest('GET', `${accountPath(h)}/Calls.xml`);
    const calls = parser.parse(response.body).TwilioResponse.Calls;
    assert.equal(calls.pagesize, '50');
    assert.equal(calls.nextpageuri, '');
    assert.deepEqual(calls.Call.map((c: Json) => c.Sid), [sid, older]);
  });

  it('answers errors on XML paths with <RestException>', async () => {
    const unknown = 'CA' + '0'.repeat(32);
    const cases = [
      { response: await h.rest('GET', `${accountPath(h)}/Calls/${unknown}`), status: 404, code: 20404 },
      { response: await h.rest('GET', `${accountPath(h)}/Calls/${unknown}.xml`), status: 404, code: 20404 },
      { response: await h.rest('POST', `${accountPath(h)}/Calls.xml`, { From: FROM, Twiml: HOLD }), status: 400, code: 21201 },
      { response: await h.rest('POST', `${accountPath(h)}/Calls`, { To: '+14155550100', From: FROM }), status: 400, code: 21205 },
      { response: await h.rest('GET', `${accountPath(h)}/Calls`, undefined, ''), status: 401, code: 20003 },
    ];
    for (const { response, status, code } of cases) {
      assert.equal(response.status, status);
      assert.match(response.headers.get('content-type') ?? '', /^application\/xml/);
      const error = parser.parse(response.body).TwilioResponse.RestException;
      assert.ok(error, response.body);
      assert.equal(error.Status, String(status));
      assert.equal(error.Code, String(code));
      assert.equal(typeof error.Message, 'string');
      assert.match(error.MoreInfo, new RegExp(`/docs/errors/${code}$`));
    }
  });
});

describe('deleting calls', () => {
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(() => h.close());

  it('removes a completed call: remove() resolves true (204) and the call is gone', async () => {
    const call = await h.client.calls.create({ to: '+14155550140', from: FROM, twiml: HANGUP });
    await waitForStatus(h, call.sid, 'completed');
    assert.equal(await h.client.calls(call.sid).remove(), true);
    assert.equal(lastStatus(h), 204);
    await rejectsWith(h.client.calls(call.sid).fetch(), 404, 20404);
    assert.deepEqual(await h.client.calls.list({ to: '+14155550140' }), []);
    await rejectsWith(h.client.calls(call.sid).remove(), 404, 20404);
  });

  it('refuses to remove a live call with 400 / 21220, and the call still exists', async () => {
    const call = await h.client.calls.create({ to: '+14155550141', from: FROM, twiml: HOLD });
    await waitForStatus(h, call.sid, 'in-progress');
    await rejectsWith(h.client.calls(call.sid).remove(), 400, 21220);
    const still = await h.client.calls(call.sid).fetch();
    assertCallBody(lastJson(h));
    assert.equal(still.status, 'in-progress');
  });

  it('answers removing an unknown call with 404 / 20404', async () => {
    await rejectsWith(h.client.calls('CA' + '1'.repeat(32)).remove(), 404, 20404);
  });
});

describe('unknown routes, wrong methods and malformed bodies', () => {
  let h: Harness;
  let sid: string;
  const post = (path: string, contentType: string, body: string) =>
    fetch(h.server.url + path, { method: 'POST', headers: { authorization: basicAuth(h), 'content-type': contentType }, body })
      .then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }));

  /** Any Twilio JSON error body: a message and the HTTP status, and with a code its more_info. */
  const assertTwilioError = (response: { status: number; text: string }) => {
    const body = JSON.parse(response.text);
    assert.equal(typeof body.message, 'string');
    assert.equal(body.status, response.status);
    if (body.code !== undefined) {
      assert.equal(typeof body.code, 'number');
      assert.equal(body.more_info, `https://www.twilio.com/docs/errors/${body.code}`);
    }
    return body;
  };

  before(async () => {
    h = await startHarness();
    sid = (await h.client.calls.create({ to: '+14155550150', from: FROM, twiml: HOLD })).sid;
  });
  after(() => h.close());

  it('answers an unknown route with 404 / 20404 in JSON', async () => {
    assertErrorBody(await h.rest('GET', `${accountPath(h)}/Nothing.json`), 404, 20404);
    assertErrorBody(await h.rest('GET', '/no/such/path'), 404, 20404);
  });

  it('answers a PUT on a call with 405 / 20004, and leaves the call alone', async () => {
    const response = await h.rest('PUT', `${accountPath(h)}/Calls/${sid}.json`, { Status: 'completed' });
    assertErrorBody(response, 405, 20004);
    assert.match(response.headers.get('allow') ?? '', /POST/);
    const xml = await h.rest('PUT', `${accountPath(h)}/Calls/${sid}`, { Status: 'completed' });
    assert.equal(xml.status, 405);
    assert.match(xml.body, /<RestException><Status>405<\/Status>.*<Code>20004<\/Code>/);
    assert.notEqual((await h.client.calls(sid).fetch()).status, 'completed');
  });

  it('answers a DELETE on the Calls collection with 405 / 20004', async () => {
    assertErrorBody(await h.rest('DELETE', `${accountPath(h)}/Calls.json`), 405, 20004);
  });

  it('answers a PUT without credentials with 401, not 405', async () => {
    assertErrorBody(await h.rest('PUT', `${accountPath(h)}/Calls/${sid}.json`, {}, ''), 401, 20003);
  });

  it('answers broken JSON with a 4xx Twilio error body', async () => {
    const response = await post(`${accountPath(h)}/Calls.json`, 'application/json', '{"To": "+1415');
    assert.ok(response.status >= 400 && response.status < 500, String(response.status));
    assertTwilioError(response);
  });

  it('reads a JSON object body like a form, and never crashes on odd values', async () => {
    const created = await post(`${accountPath(h)}/Calls.json`, 'application/json', JSON.stringify({ To: '+14155550151', From: FROM, Twiml: HOLD, StatusCallbackEvent: 'completed' }));
    assert.equal(created.status, 201, created.text);
    const body = JSON.parse(created.text);
    assertCallBody(body);
    assert.equal(body.to, '+14155550151');
    const odd = [
      { To: ['+14155550152'], From: [FROM], Twiml: [HOLD], StatusCallbackEvent: 'ringing' },
      { To: [5], From: [FROM], Twiml: HOLD },
      { To: { a: 1 }, From: FROM, Twiml: HOLD },
      { To: '+14155550153', From: FROM, Twiml: HOLD, StatusCallbackEvent: 7 },
      [1, 2], 'text', null,
    ];
    for (const value of odd) {
      const response = await post(`${accountPath(h)}/Calls.json`, 'application/json', JSON.stringify(value));
      assert.ok(response.status < 500, `${JSON.stringify(value)} → ${response.status} ${response.text}`);
      if (response.status >= 400) assertTwilioError(response);
    }
  });

  it('answers a form body with broken percent-encoding with a Twilio error, not a crash', async () => {
    const response = await post(`${accountPath(h)}/Calls.json`, 'application/x-www-form-urlencoded', 'To=%E0%A4%A&From=%&Twiml=%3CResponse');
    assert.ok(response.status >= 400 && response.status < 500, String(response.status));
    assertTwilioError(response);
  });

  it('answers a body over the size limit with 413 in a Twilio error body', async () => {
    const response = await post(`${accountPath(h)}/Calls.json`, 'application/x-www-form-urlencoded', `To=%2B14155550100&From=${FROM}&Twiml=${'x'.repeat(2 * 1024 * 1024)}`);
    assert.equal(response.status, 413);
    assertTwilioError(response);
  });

  it('still answers /health with 200 afterwards', async () => {
    const response = await fetch(`${h.server.url}/health`);
    assert.equal(response.status, 200);
    assert.equal((await response.json()).status, 'ok');
    assert.equal((await h.client.calls(sid).fetch()).sid, sid);
  });
});
