import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { parseMessage } from '../src/sip/message/parse.js';
import { eventually, startHarness } from './helpers/harness.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';
import { startSipp } from './peers/sipp.js';

const sipOptions = async (extra: Record<string, unknown> = {}) => {
  const rtp = await freeUdpRange(40);
  return { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last] as [number, number], rtpTimeoutMs: 0, mediaWorkers: 1, ...extra };
};

/** Sends one datagram to the server's SIP port and resolves with the first answer, if any. */
async function exchange(port: number, datagram: string | Buffer, waitMs = 1000): Promise<string | undefined> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const answer = new Promise<string | undefined>((resolve) => {
      socket.once('message', (message) => resolve(message.toString('latin1')));
      setTimeout(() => resolve(undefined), waitMs);
    });
    socket.send(datagram, port, '127.0.0.1');
    return await answer;
  } finally {
    socket.close();
  }
}

const options = (port: number, branch: string) =>
  [
    `OPTIONS sip:switchboard@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${branch}`,
    'Max-Forwards: 70', 'From: <sip:probe@127.0.0.1>;tag=p1', `To: <sip:switchboard@127.0.0.1:${port}>`,
    `Call-ID: ${branch}@127.0.0.1`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', '',
  ].join('\r\n');

describe('SIP failure behaviour', () => {
  it('a peer that never answers ends the call failed with SipResponseCode 408 (timer B)', async () => {
    // Timer B is 64·T1 = 32 s of call time; a time scale of 0.05 makes that 1.6 s.
    const h = await startHarness({ timeScale: 0.05, sip: await sipOptions() });
    try {
      h.app.route('/status', '');
      const silent = createSocket('udp4'); // a peer that reads INVITEs and never answers
      await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
      const port = silent.address().port;
      const call = await h.client.calls.create({
        to: `sip:nobody@127.0.0.1:${port}`, from: '+15005550006', twiml: '<Response><Say>Unheard</Say></Response>',
        statusCallback: `${h.app.url}/status`,
      });
      const done = await h.app.waitFor('/status', (r) => r.params.CallSid === call.sid, 15_000);
      silent.close();
      assert.equal(done.params.CallStatus, 'failed');
      assert.equal(done.params.SipResponseCode, '408');
      assert.equal((await h.client.calls(call.sid).fetch()).status, 'failed');
    } finally {
      await h.close();
    }
  });

  it('a far end that sends no RTP for the configured time is hung up, with a notification', async () => {
    const h = await startHarness({ timeScale: 1, sip: await sipOptions({ rtpTimeoutMs: 1000 }) });
    try {
      await h.client.incomingPhoneNumbers.create({ phoneNumber: '+15005550300', voiceUrl: `${h.app.url}/voice` });
      // A Pause alone would not answer (it delays the answer); the Say answers the call first.
      h.app.route('/voice', '<Response><Say>Hi</Say><Pause length="60"/></Response>');
      // sipp's built-in uac sends no RTP at all and would wait 20 s before its own BYE.
      const sipp = await startSipp({ scenario: 'uac', target: `127.0.0.1:${h.server.sip!.port}`, service: '15005550300', durationMs: 20_000, timeoutMs: 25_000 });
      const voice = await h.app.waitFor('/voice', () => true, 10_000);
      const call = await eventually(() => h.client.calls(voice.params.CallSid).fetch(), (c) => c.status === 'completed', 10_000);
      assert.ok(Number(call.duration) < 10, `hung up after ${call.duration} s, long before sipp's own BYE`);
      const notifications = await h.client.calls(call.sid).notifications.list();
      assert.ok(notifications.some((n) => /no RTP/.test(n.messageText)), JSON.stringify(notifications.map((n) => n.messageText)));
      sipp.kill();
      await sipp.done;
    } finally {
      await h.close();
    }
  });

  it('malformed SIP gets 400 or is dropped, never crashes the server, and OPTIONS still gets 200', async () => {
    const h = await startHarness({ timeScale: 1, sip: await sipOptions() });
    try {
      const port = h.server.sip!.port;
      const garbage = [
        Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]),
        'INVITE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbad\r\nCSeq: nonsense\r\n\r\n',
        'INVITE sip:x@y SIP/7.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKver\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: v@b\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
        'REGISTER sip:y SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKlen\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: l@b\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\nContent-Length: 999\r\n\r\nshort',
      ];
      for (const datagram of garbage) {
        const answer = await exchange(port, datagram, 300);
        if (answer !== undefined) assert.match(answer, /^SIP\/2\.0 (400|505) /, answer);
      }
      const pong = await exchange(port, options(port, 'alive1'));
      assert.ok(pong, 'OPTIONS answered');
      const response = parseMessage(Buffer.from(pong, 'latin1'));
      assert.equal(response.kind === 'response' && response.status, 200);
      assert.equal((await fetch(`${h.server.url}/health`)).status, 200);
    } finally {
      await h.close();
    }
  });

  it('a missing espeak-ng is a startup warning and a Notification on the call, not a crash', async () => {
    const h = await startHarness({ timeScale: 1, sip: await sipOptions({ audioTools: { espeak: 'espeak-ng-is-not-installed' } }) });
    try {
      assert.ok(h.server.sip!.warnings.some((w) => /espeak-ng-is-not-installed|espeak/.test(w)), h.server.sip!.warnings.join('\n'));
      await h.client.incomingPhoneNumbers.create({ phoneNumber: '+15005550301', voiceUrl: `${h.app.url}/voice` });
      h.app.route('/voice', '<Response><Say>Nobody will hear this</Say><Hangup/></Response>');
      const sipp = await startSipp({ scenario: 'uac', target: `127.0.0.1:${h.server.sip!.port}`, service: '15005550301', durationMs: 10_000, timeoutMs: 15_000 });
      const voice = await h.app.waitFor('/voice', () => true, 10_000);
      const call = await eventually(() => h.client.calls(voice.params.CallSid).fetch(), (c) => c.status === 'completed', 10_000);
      const notifications = await h.client.calls(call.sid).notifications.list();
      assert.ok(notifications.some((n) => n.errorCode === '12400' && /espeak/.test(n.messageText)), JSON.stringify(notifications.map((n) => n.messageText)));
      sipp.kill();
      await sipp.done;
    } finally {
      await h.close();
    }
  });
});
