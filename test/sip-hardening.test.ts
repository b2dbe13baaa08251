import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { getHeaders } from '../src/sip/message/headers.js';
import { parseCSeq } from '../src/sip/message/fields.js';
import { parseMessage } from '../src/sip/message/parse.js';
import type { SipResponse } from '../src/sip/message/types.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';

/** Sends datagrams from one socket; resolves with every answer received within `waitMs`. */
async function exchange(port: number, datagrams: (string | Buffer)[], waitMs = 600): Promise<string[]> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const answers: string[] = [];
  socket.on('message', (message) => answers.push(message.toString('latin1')));
  for (const datagram of datagrams) socket.send(datagram, port, '127.0.0.1');
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  socket.close();
  return answers;
}

const request = (port: number, lines: string[], method = 'OPTIONS', body = '') =>
  [`${method} sip:+15005550500@127.0.0.1:${port} SIP/2.0`, ...lines, 'Max-Forwards: 70', `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');

const VIA = 'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK';
const FROM = 'From: <sip:probe@127.0.0.1>;tag=p1';
const TO = 'To: <sip:+15005550500@127.0.0.1>';

describe('SIP answers that never break a peer', () => {
  let h: Harness;
  let port: number;
  const warnings: string[] = [];
  before(async () => {
    const rtp = await freeUdpRange(20);
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => (warnings.push(String(chunk)), done()) }));
    h = await startHarness({ logger, timeScale: 1, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0, mediaWorkers: 1 } });
    port = h.server.sip!.port;
    await h.client.incomingPhoneNumbers.create({ phoneNumber: '+15005550500', voiceUrl: `${h.app.url}/voice` });
    h.app.route('/voice', '<Response><Say>hello</Say></Response>');
  });
  after(() => h.close());

  it('a 400 is well formed: one From, To, Call-ID and CSeq, a CSeq naming the method, and never the faulty field echoed', async () => {
    const cases = [
      [`${VIA}a1`, FROM, 'From: <sip:second@127.0.0.1>;tag=p2', TO, 'Call-ID: a1@h', 'CSeq: 1 OPTIONS'],
      [`${VIA}a2`, FROM, TO, 'Call-ID: a2@h', 'CSeq: nonsense-cseq-text'],
      [`${VIA}a3`, FROM, TO, 'Call-ID: a3@h', 'Call-ID: a3-second@h', 'CSeq: 1 OPTIONS'],
      [`${VIA}a4`, FROM, TO, 'Call-ID: a4@h', 'CSeq: 7 INVITE'],
      [`${VIA}a5`, 'From: <sip:broken-from-text', TO, 'Call-ID: a5@h', 'CSeq: 1 OPTIONS'],
    ];
    for (const lines of cases) {
      const [answer] = await exchange(port, [request(port, lines)]);
      assert.ok(answer, `no answer to ${lines.join(' | ')}`);
      const response = parseMessage(Buffer.from(answer, 'latin1')) as SipResponse;
      assert.equal(response.status, 400, answer);
      for (const name of ['From', 'To', 'Call-ID', 'CSeq']) assert.equal(getHeaders(response.headers, name).length, 1, `${name} once in\n${answer}`);
      assert.equal(parseCSeq(getHeaders(response.headers, 'CSeq')[0]!).method, 'OPTIONS', answer);
      for (const faulty of ['second@127.0.0.1', 'nonsense-cseq-text', 'a3-second@h', '7 INVITE', 'broken-from-text']) {
        if (lines.some((line) => line.includes(faulty))) assert.ok(!answer.includes(faulty), `echoed "${faulty}":\n${answer}`);
      }
    }
  });

  it('a request without a Via is dropped unanswered', async () => {
    assert.deepEqual(await exchange(port, [request(port, [FROM, TO, 'Call-ID: nv@h', 'CSeq: 1 OPTIONS'])]), []);
  });

  it('an INVITE whose SDP offer nothing here can use gets 488 at once, and no call is created', async () => {
    const g729 = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 18', 'a=rtpmap:18 G729/8000', ''].join('\r\n');
    const before = h.app.to('/voice').length;
    const answers = await exchange(port, [request(port, [`${VIA}g729`, FROM, TO, 'Call-ID: g729@h', 'CSeq: 1 INVITE', 'Contact: <sip:probe@127.0.0.1:9>', 'Content-Type: application/sdp'], 'INVITE', g729)], 1000);
    const finals = answers.map((a) => parseMessage(Buffer.from(a, 'latin1')) as SipResponse).filter((r) => r.status >= 200);
    assert.equal(finals[0]?.status, 488, answers.join('\n'));
    assert.ok(!answers.some((a) => a.startsWith('SIP/2.0 180')), 'not rung first');
    assert.equal(h.app.to('/voice').length, before, 'the app was never asked');
    assert.deepEqual(await h.client.calls.list({ to: '+15005550500' }), []);
  });

  it('a flood of garbage costs counters, not a log line per datagram, and the server still answers OPTIONS', async () => {
    warnings.length = 0;
    const garbage = Array.from({ length: 300 }, (_, i) => (i % 2 ? Buffer.from([0, 1, 2, i & 0xff, 13, 10, 13, 10]) : request(port, [`${VIA}f${i}`, FROM, TO, `Call-ID: f${i}@h`, 'CSeq: x'])));
    await exchange(port, garbage, 300);
    const lines = warnings.filter((line) => /from a peer/.test(line));
    assert.ok(lines.length >= 1 && lines.length <= 4, `${lines.length} warning lines for 300 bad datagrams:\n${lines.join('')}`);
    const [pong] = await exchange(port, [request(port, [`${VIA}alive`, FROM, TO, 'Call-ID: alive@h', 'CSeq: 1 OPTIONS'])]);
    assert.match(pong ?? '', /^SIP\/2\.0 200 /);
  });
});
