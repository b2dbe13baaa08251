/**
 * Answers that never break a client (issue 9, point 8): whatever the framework or Node's HTTP
 * parser refuses gets Twilio's error body with a code, credentials are checked before a body is
 * read, no list answers a 500 for a huge `Page`, and no error echoes megabytes of input.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertCallListBody } from './helpers/openapi.js';
import { rejectsWith } from './helpers/sdk.js';

interface Raw { status: number; json: any; headers: Headers }

function assertTwilioBody(answer: Raw, status: number, code: number): void {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  assert.deepEqual(answer.json, { ...answer.json, code, status, more_info: `https://www.twilio.com/docs/errors/${code}` });
  assert.equal(typeof answer.json.message, 'string');
  assert.ok(answer.json.message.length <= 300, `message of ${answer.json.message.length} characters`);
}

/** Writes raw bytes on one connection and reads until the server closes it. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('REST answers that never break a client', () => {
  let h: Harness;
  let auth: string;
  let base: string;
  const send = async (method: string, path: string, body?: string, type?: string, authorization = auth): Promise<Raw> => {
    const response = await fetch(h.server.url + path, { method, body, headers: { authorization, ...(type && { 'content-type': type }) } });
    const text = await response.text();
    return { status: response.status, json: text.startsWith('{') ? JSON.parse(text) : text, headers: response.headers };
  };

  before(async () => {
    h = await startHarness();
    auth = 'Basic ' + Buffer.from(`${h.server.accountSid}:${h.server.authToken}`).toString('base64');
    base = `/2010-04-01/Accounts/${h.server.accountSid}`;
    h.app.route('/hold', '<Response><Pause length="3600"/></Response>');
  });
  after(() => h.close());

  it('a body of a content type the API does not read answers 415 / 19056', async () => {
    assertTwilioBody(await send('POST', `${base}/Calls.json`, '<Call/>', 'text/xml'), 415, 19056);
    assertTwilioBody(await send('POST', `/sim/v1/calls`, 'to=x', 'application/octet-stream'), 415, 19056);
  });

  it('unparsable or empty JSON answers 400 / 70002, on the REST API and on /sim/v1', async () => {
    assertTwilioBody(await send('POST', `${base}/Calls.json`, '{"To":', 'application/json'), 400, 70002);
    assertTwilioBody(await send('POST', `${base}/Calls.json`, '', 'application/json'), 400, 70002);
    assertTwilioBody(await send('POST', '/sim/v1/calls', '{', 'application/json'), 400, 70002);
    assertTwilioBody(await send('PUT', '/sim/v1/phones/+14155550130', '[1,2]', 'application/json'), 400, 70002);
  });

  it('a body over 1 MB answers 413 / 70002', async () => {
    assertTwilioBody(await send('POST', `${base}/Calls.json`, `To=${'1'.repeat(1024 * 1024)}`, 'application/x-www-form-urlencoded'), 413, 70002);
  });

  it('credentials are checked before the body: a stranger gets 401, not a parse error or a 413', async () => {
    const stranger = 'Basic ' + Buffer.from(`AC${'0'.repeat(32)}:nope`).toString('base64');
    for (const [body, type] of [['{', 'application/json'], [`To=${'1'.repeat(2 * 1024 * 1024)}`, 'application/x-www-form-urlencoded'], ['x', 'text/plain']]) {
      assertTwilioBody(await send('POST', `${base}/Calls.json`, body, type, stranger), 401, 20003);
      assertTwilioBody(await send('POST', '/sim/v1/calls', body, type, stranger), 401, 20003);
    }
  });

  it('a path segment that is not UTF-8, or is far too long, answers 404 / 20404', async () => {
    assertTwilioBody(await send('GET', `${base}/Calls/%FF%FE.json`), 404, 20404);
    assertTwilioBody(await send('GET', `${base}/Calls/CA${'a'.repeat(8000)}.json`), 404, 20404);
    assertTwilioBody(await send('GET', `${base}/Recordings/%C0.json`), 404, 20404);
  });

  it('update with both Url and Twiml answers 400 / 32019 and leaves the call running', async () => {
    const call = await h.client.calls.create({ to: '+14155550131', from: '+15005550006', url: `${h.app.url}/hold` });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'in-progress');
    await rejectsWith(h.client.calls(call.sid).update({ url: `${h.app.url}/hold`, twiml: '<Response><Hangup/></Response>' }), 400, 32019);
    assert.equal((await h.client.calls(call.sid).fetch()).status, 'in-progress');
    await h.client.calls(call.sid).update({ status: 'completed' });
  });

  it('a huge Page is an empty page on every list, never a 500', async () => {
    const call = await h.client.calls.create({ to: '+14155550132', from: '+15005550006', twiml: '<Response><Hangup/></Response>' });
    const lists: [string, string][] = [
      [`${base}/Calls.json`, 'calls'], [`${base}/Recordings.json`, 'recordings'], [`${base}/IncomingPhoneNumbers.json`, 'incoming_phone_numbers'],
      [`${base}/Calls/${call.sid}/Recordings.json`, 'recordings'], [`${base}/Calls/${call.sid}/Notifications.json`, 'notifications'],
    ];
    for (const [path, key] of lists) {
      for (const query of ['Page=184467440737095517', 'PageSize=1000&Page=9223372036854776', 'Page=99999999999999999999999999']) {
        const answer = await send('GET', `${path}?${query}`);
        assert.equal(answer.status, 200, `${path}?${query}: ${JSON.stringify(answer.json)}`);
        assert.deepEqual(answer.json[key], [], `${path}?${query}`);
        if (key === 'calls') assertCallListBody(answer.json);
      }
    }
  });

  it('an error never echoes megabytes of input back, in JSON or XML', async () => {
    const form = `To=%2B14155550133&From=%2B15005550006&Url=${'x'.repeat(512 * 1024)}`;
    assertTwilioBody(await send('POST', `${base}/Calls.json`, form, 'application/x-www-form-urlencoded'), 400, 21205);
    const xml = await send('POST', `${base}/Calls`, form, 'application/x-www-form-urlencoded');
    assert.equal(xml.status, 400);
    assert.match(String(xml.json), /<Code>21205<\/Code>/);
    assert.ok(String(xml.json).length < 1000);
  });

  it('a request head over 16 KB gets a Twilio body and Connection: close, after the requests before it on the connection', async () => {
    const healthy = `GET /health HTTP/1.1\r\nHost: x\r\n\r\n`;
    const oversized = `GET ${base}/Calls.json HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`;
    const text = await rawExchange(h.server.url, healthy + oversized);
    const [first, second] = text.split(/(?=HTTP\/1\.1 )/);
    assert.match(first!, /^HTTP\/1\.1 200 /);
    assert.match(second!, /^HTTP\/1\.1 431 /);
    assert.match(second!, /\r\nConnection: close\r\n/i);
    const body = JSON.parse(second!.slice(second!.indexOf('\r\n\r\n') + 4));
    assert.deepEqual([body.status, body.code], [431, 70002]);
    assert.equal((await fetch(`${h.server.url}/health`)).status, 200);
  });

  it('a method HTTP does not know gets 405 / 20004 with Connection: close', async () => {
    const text = await rawExchange(h.server.url, `BREW ${base}/Calls.json HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(text, /^HTTP\/1\.1 405 /);
    assert.match(text, /\r\nConnection: close\r\n/i);
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    assert.deepEqual([body.status, body.code], [405, 20004]);
  });
});
