/**
 * A seeded, bounded fuzz of the REST API and `/sim/v1`: random methods, paths, path segments,
 * queries, bodies, content types and credentials, drawn from what clients and attackers send.
 * Whatever comes in, the answer is never a 5xx, every 4xx is Twilio's error body with a code,
 * and the server still answers afterwards. `FUZZ_SEED` and `FUZZ_COUNT` replay or widen a run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from './helpers/harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20260902);
const COUNT = Number(process.env.FUZZ_COUNT ?? 300);

/** mulberry32: small, seeded, good enough to pick cases. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('a fuzz of the REST API', { timeout: 120_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.app.route('/voice', '<Response><Say>Hi</Say><Gather numDigits="1" timeout="1"/></Response>');
  });
  after(() => h.close());

  it(`${COUNT} random requests (seed ${SEED}) get no 5xx, a Twilio body with a code on every 4xx, and the server lives`, async () => {
    const next = random(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(next() * 16)]).join('');
    const live = await h.client.calls.create({ to: '+14155550140', from: '+15005550006', url: `${h.app.url}/voice` });
    const account = h.server.accountSid;
    const junk = (): string => pick([
      '', ' ', '-1', '0', '1e309', 'NaN', '184467440737095517', '9223372036854775808', '%FF%FE', '%', '%E0%A4%A', '..', '../..',
      '\u0000', 'Zoë 🎧', 'x'.repeat(5000), '<Response><Say>hi</Say></Response>', '<Response><Bogus/>', 'true', 'GET', 'completed',
      '2024-13-45', '2024-01-02T03:04:05Z', '+14155550141', 'client:alice', `${h.app.url}/voice`, 'http://127.0.0.1:1/x', 'ftp://x',
      `CA${hex(32)}`, live.sid, `PA${live.sid}`, '{"a":1}', '[]', 'null',
    ]);
    const segment = () => pick([live.sid, `CA${hex(32)}`, `RE${hex(32)}`, `PN${hex(32)}`, encodeURIComponent(junk()), junk().replace(/[/?#]/g, ''), '%FF']);
    const paths = [
      () => `/2010-04-01/Accounts/${account}/Calls.json`, () => `/2010-04-01/Accounts/${account}/Calls`,
      () => `/2010-04-01/Accounts/${account}/Calls/${segment()}.json`, () => `/2010-04-01/Accounts/${account}/Calls/${segment()}`,
      () => `/2010-04-01/Accounts/${account}/Calls/${segment()}/Recordings.json`, () => `/2010-04-01/Accounts/${account}/Calls/${segment()}/Notifications.json`,
      () => `/2010-04-01/Accounts/${account}/Recordings.json`, () => `/2010-04-01/Accounts/${account}/Recordings/${segment()}.${pick(['json', 'mp3', 'wav', 'xml'])}`,
      () => `/2010-04-01/Accounts/${account}/IncomingPhoneNumbers.json`, () => `/2010-04-01/Accounts/${account}/IncomingPhoneNumbers/${segment()}.json`,
      () => `/2010-04-01/Accounts/AC${hex(32)}/Calls.json`, () => `/2010-04-01/Accounts/${segment()}/Calls.json`,
      () => `/sim/v1/phones/${segment()}`, () => `/sim/v1/calls/${segment()}`, () => `/sim/v1/calls/${segment()}/${pick(['digits', 'speech', 'hangup'])}`,
      () => `/2010-04-01/Accounts/${account}/Messages.json`, () => `/2010-04-01/Accounts/${account}/Messages/${segment()}.json`,
      () => `/sim/v1/phones/${segment()}/messages`, () => '/sim/v1/phones/+14155550141/messages',
      () => '/sim/v1/calls', () => `/${segment()}`, () => '/health',
    ];
    const names = ['To', 'From', 'Url', 'Twiml', 'Method', 'Status', 'StatusCallback', 'StatusCallbackEvent', 'Timeout', 'TimeLimit', 'SendDigits',
      'Record', 'Trim', 'RecordingChannels', 'PhoneNumber', 'VoiceUrl', 'VoiceMethod', 'FriendlyName', 'Page', 'PageSize', 'PageToken',
      'StartTime>', 'EndTime<', 'ParentCallSid', 'digits', 'text', 'answer', 'answerAfterMs', 'to', 'from',
      'Body', 'MediaUrl', 'DateSent>', 'SmsUrl', 'body', 'mediaUrl', 'sms', junk()];
    const pairs = () => Array.from({ length: Math.floor(next() * 6) }, () => [pick(names), junk()] as [string, string]);
    const auths = [
      'Basic ' + Buffer.from(`${account}:${h.server.authToken}`).toString('base64'),
      'Basic ' + Buffer.from(`${account}:wrong`).toString('base64'), 'Basic !!!', 'Bearer x', undefined,
    ];

    for (let i = 0; i < COUNT; i++) {
      const method = pick(['GET', 'GET', 'POST', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS']);
      const query = new URLSearchParams(pairs()).toString();
      const path = pick(paths)() + (query && next() < 0.5 ? `?${query}` : '');
      const headers: Record<string, string> = {};
      const authorization = next() < 0.8 ? auths[0] : pick(auths);
      if (authorization) headers.authorization = authorization;
      let body: string | undefined;
      if (method !== 'GET' && method !== 'HEAD' && next() < 0.9) {
        const kind = pick(['form', 'form', 'json', 'multipart', 'junk', 'empty']);
        if (kind === 'form') [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(pairs()).toString()];
        else if (kind === 'json') [headers['content-type'], body] = ['application/json', pick([JSON.stringify(Object.fromEntries(pairs())), junk(), '{"digits":[1],"text":{}}'])];
        else if (kind === 'multipart') {
          const boundary = `--------------------------${hex(24)}`;
          headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
          const parts = pairs().map(([n, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`).join('');
          body = parts + (next() < 0.8 ? `--${boundary}--\r\n` : '');
        } else if (kind === 'junk') [headers['content-type'], body] = [pick(['text/plain', 'application/xml', 'image/png', 'multipart/form-data', 'application/json; charset=latin1', ';;']), junk()];
        else [headers['content-type'], body] = [pick(['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']), ''];
      }
      const label = `#${i} ${method} ${path.slice(0, 200)} ${headers['content-type'] ?? ''} ${JSON.stringify(body?.slice(0, 100))}`;
      const response = await fetch(h.server.url + path, { method, headers, body });
      const text = await response.text();
      assert.ok(response.status < 500, `${label} → ${response.status} ${text.slice(0, 300)}`);
      if (response.status < 400 || method === 'HEAD') continue;
      if (text.startsWith('<')) {
        assert.match(text, /<RestException>[\s\S]*<Code>\d+<\/Code>[\s\S]*<\/RestException>/, `${label} → ${text.slice(0, 300)}`);
      } else {
        const error = JSON.parse(text);
        assert.equal(typeof error.code, 'number', `${label} → ${text.slice(0, 300)}`);
        assert.equal(error.status, response.status, label);
        assert.ok(typeof error.message === 'string' && error.message.length <= 300, label);
      }
    }
    assert.equal((await fetch(`${h.server.url}/health`)).status, 200);
    assert.ok(Array.isArray(await h.client.calls.list({ limit: 5 })));
  });
});
