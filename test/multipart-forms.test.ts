/**
 * `multipart/form-data` request bodies, as twilio-node 3.0–3.40 sends every POST (sdk-hosts.md
 * §2: the `request` module's `formData`): the real `twilio` 3.40.0 (the `twilio-v340` alias)
 * drives the server first; then requests written byte for byte as sdk-hosts.md records them from
 * 3.0.0 and 3.40.0 (the form-data boundary of 26 dashes and 24 digits, one part per parameter
 * with no per-part type, repeated parts for arrays, an empty part for an empty value,
 * `Host: api.twilio.com`) cover the edge cases.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { parseForm } from '../src/api/form.js';
import { registerMultipartForms } from '../src/api/multipart.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertCallBody } from './helpers/openapi.js';

type Fields = [name: string, value: string, filename?: string][];

function multipartBody(fields: Fields): { boundary: string; body: Buffer } {
  const boundary = '-'.repeat(26) + Array.from({ length: 24 }, (_, i) => String((i * 7 + 3) % 10)).join('');
  const parts = fields.map(([name, value, filename]) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"\r\nContent-Type: text/plain` : ''}\r\n\r\n${value}\r\n`);
  return { boundary, body: Buffer.from(parts.join('') + `--${boundary}--\r\n`) };
}

interface Answer { status: number; json: any; headers: Record<string, unknown> }

/** A request as twilio-node 3.40.0 sends it through `request`, to the server's address. */
function send(url: string, method: string, path: string, auth: string, body?: Buffer, contentType?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request({
      hostname: target.hostname, port: target.port, method, path,
      headers: {
        host: 'api.twilio.com', authorization: auth, 'user-agent': 'twilio-node/3.40.0 (node.js v20.20.2)',
        'accept-charset': 'utf-8', accept: 'application/json', connection: 'close',
        ...(body && { 'content-type': contentType, 'content-length': body.length }),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : null, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('multipart/form-data bodies (twilio-node 3.0–3.40)', () => {
  let h: Harness;
  let auth: string;
  let base: string;
  const post = (path: string, fields: Fields) => {
    const { boundary, body } = multipartBody(fields);
    return send(h.server.url, 'POST', base + path, auth, body, `multipart/form-data; boundary=${boundary}`);
  };
  const postUrlencoded = (path: string, fields: Fields) => {
    const form = new URLSearchParams(fields.map(([name, value]) => [name, value]));
    return send(h.server.url, 'POST', base + path, auth, Buffer.from(form.toString()), 'application/x-www-form-urlencoded');
  };

  before(async () => {
    h = await startHarness();
    auth = 'Basic ' + Buffer.from(`${h.server.accountSid}:${h.server.authToken}`).toString('base64');
    base = `/2010-04-01/Accounts/${h.server.accountSid}`;
    h.app.route('/voice', '<Response><Say>Hello</Say></Response>').route('/status', () => ({ status: 204 }));
  });
  after(() => h.close());

  it('twilio 3.40.0, which posts multipart/form-data, creates, updates and lists calls unmodified', async () => {
    const require = createRequire(import.meta.url);
    const old = require('twilio-v340')(h.server.accountSid, h.server.authToken);
    old.api.baseUrl = h.server.url;
    h.app.route('/old-sdk', '<Response><Pause length="3600"/></Response>').route('/old-status', () => ({ status: 204 }));
    const call = await old.calls.create({ to: '+14155550140', from: '+15005550006', url: `${h.app.url}/old-sdk`, statusCallback: `${h.app.url}/old-status`, statusCallbackEvent: ['initiated', 'answered'] });
    assert.match(call.sid, /^CA[0-9a-f]{32}$/);
    await h.app.waitFor('/old-sdk', (r) => r.params.CallSid === call.sid);
    const updated = await old.calls(call.sid).update({ status: 'completed' });
    assert.equal(updated.sid, call.sid);
    const events = await eventually(() => h.app.to('/old-status').filter((r) => r.params.CallSid === call.sid).map((r) => r.params.CallStatus), (list) => list.length >= 2);
    assert.deepEqual(events.slice(0, 2), ['initiated', 'in-progress'], 'both repeated StatusCallbackEvent parts were read');
    assert.ok((await old.calls.list({ to: '+14155550140' })).some((c: { sid: string }) => c.sid === call.sid));
  });

  it('a call created with a multipart body runs, and every repeated StatusCallbackEvent part counts', async () => {
    const created = await post('/Calls.json', [
      ['To', '+14155550110'], ['From', '+15005550006'], ['Url', `${h.app.url}/voice`], ['Method', 'POST'],
      ['StatusCallback', `${h.app.url}/status`],
      ['StatusCallbackEvent', 'initiated'], ['StatusCallbackEvent', 'ringing'], ['StatusCallbackEvent', 'answered'], ['StatusCallbackEvent', 'completed'],
    ]);
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assertCallBody(created.json);
    assert.equal(created.json.to, '+14155550110');
    const sent = await eventually(() => h.app.to('/status').filter((r) => r.params.CallSid === created.json.sid), (list) => list.length === 4);
    assert.deepEqual(sent.map((r) => r.params.CallStatus), ['initiated', 'ringing', 'in-progress', 'completed']);
    assert.equal((await h.app.waitFor('/voice', (r) => r.params.CallSid === created.json.sid)).method, 'POST');
  });

  it('an empty part clears a field, as an empty urlencoded value does', async () => {
    const created = await post('/IncomingPhoneNumbers.json', [
      ['PhoneNumber', '+15005550111'], ['VoiceUrl', `${h.app.url}/voice`], ['VoiceFallbackUrl', `${h.app.url}/fallback`],
    ]);
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.voice_fallback_url, `${h.app.url}/fallback`);
    const updated = await post(`/IncomingPhoneNumbers/${created.json.sid}.json`, [['VoiceFallbackUrl', '']]);
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    assert.equal(updated.json.voice_fallback_url, null);
    assert.equal(updated.json.voice_url, `${h.app.url}/voice`);
  });

  it('a refused multipart request gets the same Twilio error as its urlencoded twin', async () => {
    const fields: Fields = [['From', '+15005550006'], ['Url', `${h.app.url}/voice`]];
    const [multipart, urlencoded] = [await post('/Calls.json', fields), await postUrlencoded('/Calls.json', fields)];
    assert.equal(multipart.status, 400);
    assert.deepEqual(multipart.json, urlencoded.json);
    assert.equal(multipart.json.code, 21201);
  });

  it('a multipart body that is cut off gets a 400 with a Twilio body, and one over 1 MB a 413', async () => {
    const { boundary, body } = multipartBody([['To', '+14155550112'], ['From', '+15005550006']]);
    const cut = await send(h.server.url, 'POST', `${base}/Calls.json`, auth, body.subarray(0, body.length - 20), `multipart/form-data; boundary=${boundary}`);
    assert.equal(cut.status, 400);
    assert.equal(cut.json.status, 400);
    assert.match(cut.json.message, /multipart/);
    const huge = await post('/Calls.json', [['To', '+14155550112'], ['Url', 'x'.repeat(1024 * 1024 + 1)]]);
    assert.equal(huge.status, 413);
    assert.equal(huge.json.status, 413);
    assert.ok(huge.json.message.length < 200);
    assert.equal((await fetch(`${h.server.url}/health`)).status, 200);
  });

  it('parts read into the same form as the urlencoded body: order, repeats, dotted names, UTF-8, empty values, file parts', async () => {
    const app = Fastify();
    registerMultipartForms(app, 1024 * 1024);
    app.post('/echo', async (req) => ({ form: req.body }));
    const fields: Fields = [
      ['Parameter1.Name', 'customer'], ['Parameter1.Value', 'Zoë 🎧 & co'], ['StatusCallbackEvent', 'ringing'],
      ['Body', ''], ['StatusCallbackEvent', 'completed'], ['Parameter2.Name', 'a=b&c'],
    ];
    const { boundary, body } = multipartBody([...fields, ['Notes', 'sent as a file', 'notes.txt']]);
    const response = await app.inject({ method: 'POST', url: '/echo', payload: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    const expected = parseForm(new URLSearchParams([...fields.map(([n, v]) => [n, v]), ['Notes', 'sent as a file']]).toString());
    assert.deepEqual(response.json().form, { ...expected });
    await app.close();
  });
});
