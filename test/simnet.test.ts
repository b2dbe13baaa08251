import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordingListener, runCarrierContract } from '../src/ports/carrier.contract.js';
import { ManualClock } from '../src/ports/manual-clock.js';
import { SystemClock } from '../src/ports/system-clock.js';
import { AudioFetchError, fetchAudioLength, wavDurationMs } from '../src/simnet/audio-length.js';
import { CallLog } from '../src/simnet/call-log.js';
import { SimNetwork } from '../src/simnet/sim-network.js';
import type { Tts } from '../src/ports/tts.js';

/** A PCM WAV: 8 kHz, 16-bit mono (16000 bytes/s), optionally with a LIST chunk before `data`. */
function wav(dataBytes: number, opts: { list?: boolean; declaredSize?: number } = {}): Buffer {
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8); // PCM
  fmt.writeUInt16LE(1, 10); // mono
  fmt.writeUInt32LE(8000, 12); // sample rate
  fmt.writeUInt32LE(16000, 16); // byte rate
  fmt.writeUInt16LE(2, 20); // block align
  fmt.writeUInt16LE(16, 22); // bits per sample
  const list = Buffer.alloc(opts.list ? 8 + 5 + 1 : 0); // odd size: exercises RIFF padding
  if (opts.list) {
    list.write('LIST', 0, 'latin1');
    list.writeUInt32LE(5, 4);
  }
  const dataHeader = Buffer.alloc(8);
  dataHeader.write('data', 0, 'latin1');
  dataHeader.writeUInt32LE(opts.declaredSize ?? dataBytes, 4);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + fmt.length + list.length + 8 + dataBytes, 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, fmt, list, dataHeader, Buffer.alloc(dataBytes)]);
}

const FILES: Record<string, [type: string, body: Buffer]> = {
  '/hello.wav': ['audio/wav', wav(24_000)], // 1.5 s
  '/list.wav': ['application/octet-stream', wav(8_000, { list: true })], // 0.5 s, sniffed
  '/streamed.wav': ['audio/x-wav', wav(32_000, { declaredSize: 0xffffffff })], // 2 s
  '/tone.mp3': ['audio/mpeg', Buffer.alloc(16_000)], // 1 s at 128 kbit/s
  '/tone.ulaw': ['audio/basic; rate=8000', Buffer.alloc(4_000)], // 0.5 s
  '/blob': ['application/octet-stream', Buffer.alloc(48_000)], // 3 s at the 16 kB/s guess
};

let server: Server;
let base = '';
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/slow') return; // never answers: only an abort ends the fetch
    const file = FILES[req.url ?? ''];
    if (!file) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

runCarrierContract('SimNetwork on a ManualClock', () => {
  const clock = new ManualClock();
  const network = new SimNetwork({ clock });
  return {
    carrier: network,
    advance: (ms) => clock.advance(ms),
    configurePhone: (number, behaviour) => network.configurePhone(number, behaviour),
    placeInbound: (from, to) => network.placeInbound(from, to),
    farEndHangup: (callSid) => network.hangup(callSid),
    audio: { url: `${base}/hello.wav`, ms: 1500 },
    bridge: {
      press: async (callSid, digits) => assert.ok(network.pressDigits(callSid, digits), `call ${callSid} takes keys`),
      digitsHeard: async (callSid) => (network.heard(callSid)?.heard ?? []).flatMap((e) => (e.kind === 'digits' ? [e.digits!] : [])).join(''),
    },
  };
});

const EPOCH = Date.UTC(2025, 0, 1);
const iso = (offsetMs: number) => new Date(EPOCH + offsetMs).toISOString();
const signal = () => new AbortController().signal;
const voice = { voice: 'alice', language: 'en-US' };
let sids = 0;
const sid = () => 'CA' + (++sids).toString(16).padStart(32, 'f');

/** A network on a ManualClock at EPOCH, with one call answered at EPOCH + 1000. */
async function answeredCall(options: { keepEndedCalls?: number; tts?: Tts } = {}) {
  const clock = new ManualClock(EPOCH);
  const network = new SimNetwork({ clock, ...options });
  const { events, listener } = recordingListener();
  const callSid = sid();
  const leg = network.dial({ callSid, to: '+15551230001', from: '+15559870000', ringTimeoutMs: 60_000 }, listener);
  await clock.advance(1000);
  assert.deepEqual(events, ['ringing', 'answered']);
  return { clock, network, events, leg, callSid };
}

describe('SimNetwork', () => {
  it('answers a number nobody configured after one ring of 1000 ms', async () => {
    const network = new SimNetwork({ clock: new ManualClock() });
    assert.deepEqual(network.phone('+15550000000'), { answer: 'answer', answerAfterMs: 1000 });
    network.configurePhone('+15550000001', { answer: 'busy' });
    assert.deepEqual(network.phone('+15550000001'), { answer: 'busy', answerAfterMs: 1000 });
    assert.throws(() => network.configurePhone('+1', { answer: 'maybe' as 'busy' }), RangeError);
    assert.throws(() => network.configurePhone('+1', { answer: 'answer', answerAfterMs: -5 }), RangeError);
  });

  it('logs what the far end heard, in order, each entry stamped when its audio started', async () => {
    const { clock, network, leg, callSid } = await answeredCall();
    const step = async (media: Promise<void>, ms: number) => {
      await clock.advance(ms);
      await media;
    };
    await step(leg.media.say('Hello', voice, signal()), 400); // 5 chars: the 400 ms minimum
    await step(leg.media.say('x'.repeat(10), voice, signal()), 650); // 65 ms a character
    const played = leg.media.play(`${base}/hello.wav`, signal());
    while (network.heard(callSid)!.heard.length < 3) await new Promise((r) => setTimeout(r, 5));
    await step(played, 1500);
    await step(leg.media.playDigits('12w3W', signal()), 1800);
    await step(leg.media.pause(1000, signal()), 1000);
    assert.deepEqual(network.heard(callSid), {
      callSid,
      number: '+15551230001',
      heard: [
        { at: iso(1000), kind: 'say', text: 'Hello', ms: 400 },
        { at: iso(1400), kind: 'say', text: 'xxxxxxxxxx', ms: 650 },
        { at: iso(2050), kind: 'play', url: `${base}/hello.wav`, ms: 1500 },
        { at: iso(3550), kind: 'tone', text: '12', ms: 200 },
        { at: iso(3750), kind: 'silence', ms: 500 },
        { at: iso(4250), kind: 'tone', text: '3', ms: 100 },
        { at: iso(4350), kind: 'silence', ms: 1000 },
        { at: iso(5350), kind: 'pause', ms: 1000 },
      ],
    });
  });

  it('records words the phone starts saying while the <Record> beep plays, from the end of the beep on', async () => {
    const spoken = Int16Array.from({ length: 6400 }, (_, i) => 1000 + (i % 500)); // 0.8 s
    const { clock, network, leg, callSid } = await answeredCall({ tts: { render: async () => spoken } });
    const path = join(mkdtempSync(join(tmpdir(), 'sim-beep-')), 'r.wav');
    const stop = new AbortController();
    const recorded = leg.media.record({ path, maxLengthMs: 10_000, silenceTimeoutMs: 0, stop: stop.signal, beep: true }, signal());
    await clock.advance(200); // 0.2 s into the 0.5 s beep
    assert.equal(network.speak(callSid, 'hello there'), true);
    await clock.advance(300 + 1000);
    stop.abort();
    assert.deepEqual(await recorded, { durationMs: 1000, reason: 'finished', spoken: ['hello there'] });
    const file = readFileSync(path);
    const samples = new Int16Array(file.buffer.slice(file.byteOffset + 44, file.byteOffset + file.length));
    // The first 0.3 s of the words fell under the beep; the remaining 0.5 s opens the file.
    assert.deepEqual(samples.subarray(0, 4000), spoken.subarray(2400));
    assert.ok(samples.subarray(4000).every((s) => s === 0));
  });

  it('keeps a Say interrupted by a redirect in the log', async () => {
    const { clock, network, leg, callSid } = await answeredCall();
    const controller = new AbortController();
    const said = leg.media.say('Please hold while we connect you', voice, controller.signal);
    await clock.advance(300);
    controller.abort(new Error('redirect'));
    await assert.rejects(said, /redirect/);
    assert.equal(clock.pendingTimers, 0); // the Say's timer was cancelled
    const paused = leg.media.pause(500, signal());
    await clock.advance(500);
    await paused;
    assert.deepEqual(network.heard(callSid)!.heard.map((e) => [e.kind, e.at]), [['say', iso(1000)], ['pause', iso(1300)]]);
  });

  it('routes the far end\'s digits and speech to the listener of an answered call', async () => {
    const { network, events, callSid } = await answeredCall();
    assert.equal(network.pressDigits(callSid, '12#'), true);
    assert.equal(network.speak(callSid, 'billing please'), true);
    assert.deepEqual(events.slice(2), ['digits:12#', 'speech:billing please@1']);
    assert.throws(() => network.pressDigits(callSid, '12x'), RangeError);
  });

  it('returns false for far-end actions on unknown, ringing or ended calls', async () => {
    const clock = new ManualClock();
    const network = new SimNetwork({ clock });
    assert.equal(network.pressDigits('CAunknown', '1'), false);
    assert.equal(network.speak('CAunknown', 'hi'), false);
    assert.equal(network.hangup('CAunknown'), false);
    assert.equal(network.heard('CAunknown'), undefined);
    const { events, listener } = recordingListener();
    const callSid = sid();
    const leg = network.dial({ callSid, to: '+15551230002', from: '+1', ringTimeoutMs: 60_000 }, listener);
    await clock.advance(0);
    assert.equal(network.pressDigits(callSid, '1'), false);
    assert.equal(network.speak(callSid, 'hi'), false);
    leg.hangup();
    assert.equal(network.pressDigits(callSid, '1'), false);
    assert.equal(network.hangup(callSid), false);
    assert.deepEqual(events, ['ringing']);
  });

  it('ends an outbound call declined while ringing as busy', async () => {
    const clock = new ManualClock();
    const network = new SimNetwork({ clock });
    const { events, listener } = recordingListener();
    const callSid = sid();
    network.dial({ callSid, to: '+15551230003', from: '+1', ringTimeoutMs: 60_000 }, listener);
    await clock.advance(500);
    assert.equal(network.hangup(callSid), true);
    assert.deepEqual(events, ['ringing', 'ended:busy']);
  });

  it('keeps the log of an ended call, with the caller\'s number for an inbound call', async () => {
    const clock = new ManualClock(EPOCH);
    const network = new SimNetwork({ clock });
    const callSid = sid();
    network.onInbound(async (offer) => {
      const leg = offer.attach(callSid, recordingListener().listener);
      leg.answer();
      void leg.media.say('Goodbye', voice, signal()).catch(() => {});
      return callSid;
    });
    await network.placeInbound('+15557770000', '+15550001111');
    assert.equal(network.liveCalls, 1);
    assert.equal(network.hangup(callSid), true);
    assert.equal(network.liveCalls, 0);
    assert.deepEqual(network.heard(callSid), {
      callSid,
      number: '+15557770000',
      heard: [{ at: iso(0), kind: 'say', text: 'Goodbye', ms: 455 }],
    });
  });

  it('evicts the oldest ended-call logs beyond keepEndedCalls', async () => {
    const clock = new ManualClock();
    const network = new SimNetwork({ clock, keepEndedCalls: 2 });
    const ended: string[] = [];
    for (let i = 0; i < 3; i++) {
      const callSid = sid();
      network.dial({ callSid, to: '+1555000000' + i, from: '+1', ringTimeoutMs: 60_000 }, recordingListener().listener).hangup();
      ended.push(callSid);
    }
    assert.equal(network.heard(ended[0]), undefined);
    assert.equal(network.heard(ended[1])?.number, '+15550000001');
    assert.equal(network.heard(ended[2])?.number, '+15550000002');
  });

  it('caps one call\'s log at its most recent 1000 entries and counts the dropped ones', () => {
    const log = new CallLog('CA1', '+1');
    for (let i = 0; i < 1002; i++) log.add(EPOCH + i, 'pause', i);
    const view = log.view();
    assert.equal(view.heard.length, 1000);
    assert.equal(view.dropped, 2);
    assert.equal(view.heard[0].ms, 2);
  });

  it('refuses to dial a call SID that is already live', () => {
    const network = new SimNetwork({ clock: new ManualClock() });
    const request = { callSid: sid(), to: '+1', from: '+2', ringTimeoutMs: 1000 };
    network.dial(request, recordingListener().listener);
    assert.throws(() => network.dial(request, recordingListener().listener), /already live/);
  });

  it('drops a leg attached by an inbound handler that then failed', async () => {
    const network = new SimNetwork({ clock: new ManualClock() });
    await assert.rejects(network.placeInbound('+1', '+2'), /no inbound handler/);
    const { events, listener } = recordingListener();
    const callSid = sid();
    network.onInbound(async (offer) => {
      offer.attach(callSid, listener);
      throw new Error('store is down');
    });
    await assert.rejects(network.placeInbound('+1', '+2'), /store is down/);
    assert.equal(network.liveCalls, 0);
    assert.equal(network.hangup(callSid), false);
    assert.deepEqual(events, []);
  });

  it('reports a Play URL that cannot be fetched, and logs nothing for it', async () => {
    const { network, leg, callSid } = await answeredCall();
    await assert.rejects(leg.media.play(`${base}/missing.wav`, signal()), (err) => {
      assert.ok(err instanceof AudioFetchError);
      assert.equal(err.status, 404);
      assert.equal(err.code, 11200);
      assert.match(err.message, /Could not fetch audio http:\/\/.*\/missing\.wav: HTTP 404/);
      return true;
    });
    assert.deepEqual(network.heard(callSid)!.heard, []);
  });

  it('rejects a Play with the signal reason when aborted during the fetch', async () => {
    const { leg } = await answeredCall();
    const controller = new AbortController();
    const reason = new Error('hung up');
    const played = leg.media.play(`${base}/slow`, controller.signal);
    setTimeout(() => controller.abort(reason), 10);
    await assert.rejects(played, (err) => err === reason);
  });

  it('runs on a compressed real clock too', async () => {
    const network = new SimNetwork({ clock: new SystemClock(0.001) });
    const { events, listener } = recordingListener();
    const callSid = sid();
    const leg = network.dial({ callSid, to: '+15551230004', from: '+1', ringTimeoutMs: 60_000 }, listener);
    while (!events.includes('answered')) await new Promise((r) => setTimeout(r, 1));
    await leg.media.say('This takes about three seconds of call time', voice, signal());
    assert.equal(network.heard(callSid)!.heard.length, 1);
  });
});

describe('fetchAudioLength', () => {
  const cases: Array<[path: string, ms: number]> = [
    ['/hello.wav', 1500],
    ['/list.wav', 500],
    ['/streamed.wav', 2000],
    ['/tone.mp3', 1000],
    ['/tone.ulaw', 500],
    ['/blob', 3000],
  ];
  for (const [path, ms] of cases) {
    it(`measures ${path} as ${ms} ms`, async () => {
      assert.deepEqual(await fetchAudioLength(base + path, signal()), { ms });
    });
  }

  it('fails clearly when nothing listens at the URL', async () => {
    await assert.rejects(fetchAudioLength('http://127.0.0.1:1/a.wav', signal()), (err) => {
      assert.ok(err instanceof AudioFetchError);
      assert.match(err.message, /^Could not fetch audio http:\/\/127\.0\.0\.1:1\/a\.wav: .+/);
      return true;
    });
    await assert.rejects(fetchAudioLength('ftp://example.com/a.wav', signal()), /not an http\(s\) URL/);
  });

  it('does not mistake a non-WAV body for a WAV', () => {
    assert.equal(wavDurationMs(Buffer.from('ID3 not a wav at all'), 20), undefined);
  });
});
