import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import alawmulaw from 'alawmulaw';
import { writeDualTone } from '../src/sip/rtp/dtmf.js';
import { InbandDtmfDetector } from '../src/sip/rtp/goertzel.js';
import { MediaEngine, type RtpStream, type StreamEvents } from '../src/sip/rtp/media-engine.js';
import { parseTelephoneEvent } from '../src/sip/rtp/rfc4733.js';
import { RtpPhone, sleep, type Received } from './helpers/rtp-phone.js';
import { eventually } from './helpers/harness.js';

/** A random even port range, so concurrent test files rarely meet; a taken port is skipped anyway. */
function portRange(size = 200): [number, number] {
  const first = 20000 + 2 * Math.floor(Math.random() * 15000);
  return [first, first + size - 1];
}

const never = new AbortController().signal;
const isSilence = (p: Received) => p.payload.every((b) => b === 0xff);

interface Call {
  stream: RtpStream;
  phone: RtpPhone;
  digits: string[];
  timeouts: number;
  /** `failed` events: the stream's worker died. */
  failures: Error[];
}

async function call(engine: MediaEngine, params: { telephoneEventPt?: number; payloadType?: 0 | 8 } = {}): Promise<Call> {
  const phone = await RtpPhone.open();
  const c = { phone, digits: [] as string[], timeouts: 0, failures: [] as Error[] } as Call;
  const events: StreamEvents = { dtmf: (d) => c.digits.push(d), rtpTimeout: () => c.timeouts++, failed: (e) => c.failures.push(e) };
  c.stream = await engine.openStream(events);
  c.stream.configure({ remoteAddress: '127.0.0.1', remotePort: phone.port, payloadType: params.payloadType ?? 0, telephoneEventPt: params.telephoneEventPt, send: true, receive: true });
  return c;
}

function hangUp(c: Call): void {
  c.stream.close();
  c.phone.close();
}

/** A deterministic signal with some texture, in 8 kHz PCM. */
function voice(samples: number, seed = 1): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(6000 * Math.sin(i / (3 + seed)) + 3000 * Math.sin(i / 17) * Math.sin(i / 401)));
}

function dualTones(keys: string): Int16Array {
  const out = new Int16Array(keys.length * 1600);
  [...keys].forEach((k, i) => writeDualTone(k, out, i * 1600, 800));
  return out;
}

/** Sends PCM as PCMU packets of `frame` samples with consecutive timestamps; `dropIndex` is lost. */
async function sendPcm(c: Call, pcm: Int16Array, options: { frame?: number; ssrc?: number; paced?: boolean; dropIndex?: number } = {}): Promise<void> {
  const frame = options.frame ?? 160;
  const ssrc = options.ssrc ?? 0x1234;
  let ts = 90000;
  for (let i = 0, n = 0; i < pcm.length; i += frame, n++, ts += frame) {
    if (n !== options.dropIndex) c.phone.send(c.stream.localPort, { payloadType: 0, timestamp: ts, ssrc }, alawmulaw.mulaw.encode(pcm.subarray(i, i + frame)));
    if (options.paced) await sleep(frame / 8);
  }
}

/** A hang (a promise that never settles) must fail the file, not stall the suite. */
const suite = { timeout: 60_000 };

describe('MediaEngine over loopback', suite, () => {
  let engine: MediaEngine;
  let dir: string;
  before(async () => {
    engine = await MediaEngine.start({ host: '127.0.0.1', portRange: portRange(), workers: 2 });
    dir = mkdtempSync(join(tmpdir(), 'rtp-engine-'));
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends 20 ms PCMU frames: seq +1, ts +160, marker on the first only, silence, then the played audio', async () => {
    const c = await call(engine);
    try {
      await c.phone.next(10);
      const pcm = voice(160 * 12);
      await c.stream.play(pcm, never);
      await c.phone.next(5);
      const got = c.phone.packets;
      for (let i = 1; i < got.length; i++) {
        assert.equal(got[i].sequence, (got[i - 1].sequence + 1) & 0xffff, `seq at ${i}`);
        assert.equal(got[i].timestamp, (got[i - 1].timestamp + 160) >>> 0, `ts at ${i}`);
        assert.equal(got[i].ssrc, got[0].ssrc);
      }
      assert.deepEqual(got.map((p) => p.marker).filter(Boolean).length, 1);
      assert.equal(got[0].marker, true);
      assert.ok(got.every((p) => p.payloadType === 0 && p.payload.length === 160));
      const firstAudio = got.findIndex((p) => !isSilence(p));
      assert.ok(firstAudio >= 10, 'silence flows before anything plays');
      const expected = alawmulaw.mulaw.encode(pcm);
      for (let f = 0; f < 12; f++) {
        assert.deepEqual([...got[firstAudio + f].payload], [...expected.subarray(f * 160, f * 160 + 160)], `frame ${f}`);
      }
      assert.ok(got.slice(firstAudio + 12).every(isSilence), 'silence again after the prompt');
    } finally {
      hangUp(c);
    }
  });

  it('keeps about 50 packets a second flowing', async () => {
    const c = await call(engine);
    try {
      await c.phone.next(3);
      const from = c.phone.packets.length;
      await sleep(1000);
      const count = c.phone.packets.length - from;
      assert.ok(count >= 40 && count <= 60, `${count} packets in a second`);
    } finally {
      hangUp(c);
    }
  });

  it('PCMA streams carry A-law silence (0xD5)', async () => {
    const c = await call(engine, { payloadType: 8 });
    try {
      const got = await c.phone.next(5);
      assert.ok(got.every((p) => p.payloadType === 8 && p.payload.every((b) => b === 0xd5)));
    } finally {
      hangUp(c);
    }
  });

  it('aborting a play rejects with the reason and returns to silence within a frame or two', async () => {
    const c = await call(engine);
    try {
      const abort = new AbortController();
      const playing = c.stream.play(Int16Array.from({ length: 8000 * 5 }, () => 4000), abort.signal);
      await c.phone.until(() => c.phone.packets.filter((p) => !isSilence(p)).length >= 5);
      const reason = new Error('redirected');
      abort.abort(reason);
      await assert.rejects(playing, (err) => err === reason);
      const at = c.phone.packets.length;
      await c.phone.next(10);
      const after = c.phone.packets.slice(at);
      const stillAudio = after.findIndex(isSilence);
      assert.ok(stillAudio >= 0 && stillAudio <= 2, `${stillAudio} audio frames after the abort`);
      assert.ok(after.slice(stillAudio).every(isSilence));
    } finally {
      hangUp(c);
    }
  });

  it('RFC 4733 packets give one dtmf event per key press, whatever the repeats, SSRC changes and comfort noise', async () => {
    const c = await call(engine, { telephoneEventPt: 101 });
    try {
      c.phone.sendKeyPress(c.stream.localPort, 5, 1000, 0xaaaa);
      c.phone.send(c.stream.localPort, { payloadType: 13, timestamp: 1500, ssrc: 0xaaaa }, new Uint8Array([40]));
      c.phone.sendKeyPress(c.stream.localPort, 5, 2000, 0xaaaa);
      c.phone.sendKeyPress(c.stream.localPort, 11, 500, 0xbbbb);
      c.phone.sendKeyPress(c.stream.localPort, 11, 500, 0xbbbb); // a replayed capture: the same press
      await c.phone.next(5); // let the worker drain its socket
      await sleep(100);
      assert.deepEqual(c.digits, ['5', '5', '#']);
    } finally {
      hangUp(c);
    }
  });

  it('RTP from any address but the negotiated peer is ignored: nobody else can press keys into a call', async () => {
    const c = await call(engine, { telephoneEventPt: 101 });
    try {
      // The peer is 127.0.0.2 (also loopback on Linux); the phone socket sends from 127.0.0.1.
      c.stream.configure({ remoteAddress: '127.0.0.2', remotePort: c.phone.port, payloadType: 0, telephoneEventPt: 101, send: true, receive: true });
      c.phone.sendKeyPress(c.stream.localPort, 7, 1000, 0xcccc);
      await sleep(150);
      assert.deepEqual(c.digits, []);
      c.stream.configure({ remoteAddress: '127.0.0.1', remotePort: c.phone.port, payloadType: 0, telephoneEventPt: 101, send: true, receive: true });
      c.phone.sendKeyPress(c.stream.localPort, 7, 2000, 0xcccc);
      await eventually(() => c.digits, (d) => d.length === 1);
      assert.deepEqual(c.digits, ['7']);
    } finally {
      hangUp(c);
    }
  });

  it('in-band tones are reported only while detection is on', async () => {
    const c = await call(engine);
    try {
      await sendPcm(c, dualTones('1'));
      await sleep(150);
      c.stream.detectInbandDtmf(true);
      await sleep(50);
      await sendPcm(c, dualTones('23'), { ssrc: 2 });
      await sleep(150);
      c.stream.detectInbandDtmf(false);
      await sleep(50);
      await sendPcm(c, dualTones('4'), { ssrc: 3 });
      await sleep(150);
      assert.deepEqual(c.digits, ['2', '3']);
    } finally {
      hangUp(c);
    }
  });

  it('playDigits sends RFC 4733 events on the negotiated PT when the peer offered telephone-event', async () => {
    const c = await call(engine, { telephoneEventPt: 101 });
    try {
      await c.phone.next(2);
      await c.stream.playDigits('1#', never);
      const events = c.phone.packets.filter((p) => p.payloadType === 101);
      const byPress = new Map<number, Received[]>();
      for (const p of events) byPress.set(p.timestamp, [...(byPress.get(p.timestamp) ?? []), p]);
      assert.deepEqual([...byPress.values()].map((ps) => parseTelephoneEvent(ps[0].payload)!.event), [1, 11]);
      for (const ps of byPress.values()) {
        assert.deepEqual(ps.map((p) => p.marker), [true, false, false, false, false, false, false]);
        assert.equal(ps.filter((p) => parseTelephoneEvent(p.payload)!.end).length, 3);
        assert.equal(parseTelephoneEvent(ps.at(-1)!.payload)!.duration, 800);
      }
      const seqs = c.phone.packets.map((p) => p.sequence);
      assert.ok(seqs.every((s, i) => i === 0 || s === ((seqs[i - 1] + 1) & 0xffff)), 'one sequence for audio and events');
    } finally {
      hangUp(c);
    }
  });

  it('a playDigits stopped mid-key still ends that key with its three end packets, and sends no further key', async () => {
    const c = await call(engine, { telephoneEventPt: 101 });
    try {
      await c.phone.next(2);
      const stop = new AbortController();
      const playing = c.stream.playDigits('58', stop.signal);
      await eventually(() => c.phone.packets.filter((p) => p.payloadType === 101).length, (n) => n >= 2);
      stop.abort(new Error('redirected'));
      await assert.rejects(playing, /redirected/);
      await sleep(400);
      const events = c.phone.packets.filter((p) => p.payloadType === 101).map((p) => parseTelephoneEvent(p.payload)!);
      assert.ok(events.every((e) => e.event === 5), 'only the key that had started');
      assert.equal(events.filter((e) => e.end).length, 3);
      assert.ok(events.at(-1)!.end);
    } finally {
      hangUp(c);
    }
  });

  it('playDigits falls back to in-band tones when telephone-event was not negotiated', async () => {
    const c = await call(engine);
    try {
      await c.stream.playDigits('9w*', never);
      let heard = '';
      const detector = new InbandDtmfDetector((k) => (heard += k));
      for (const p of c.phone.packets) detector.push(alawmulaw.mulaw.decode(p.payload));
      assert.equal(heard, '9*');
      assert.ok(c.phone.packets.every((p) => p.payloadType === 0));
      await assert.rejects(c.stream.playDigits('12x', never), RangeError);
    } finally {
      hangUp(c);
    }
  });

  it("record('received') writes a WAV whose samples match what the phone sent, with 30 ms packets and a lost one", async () => {
    const c = await call(engine);
    try {
      const path = join(dir, 'received.wav');
      const recording = c.stream.record(path, { mix: 'received' });
      const sent = voice(8000, 2);
      await sendPcm(c, sent, { frame: 240, paced: true, dropIndex: 10 });
      await sleep(100);
      const result = await recording.stop();
      assert.equal(result.reason, 'stopped');
      assert.equal(result.path, path);
      const file = readFileSync(path);
      const samples = new Int16Array(file.buffer.slice(file.byteOffset + 44, file.byteOffset + file.length));
      assert.equal(file.readUInt32LE(40), samples.length * 2);
      assert.equal(result.durationMs, samples.length / 8);
      const reference = alawmulaw.mulaw.decode(alawmulaw.mulaw.encode(sent));
      const { corr, lag } = bestCorrelation(reference, samples);
      assert.ok(corr > 0.9, `correlation ${corr.toFixed(3)}`);
      const lost = samples.subarray(lag + 2400, lag + 2640);
      assert.ok(lost.every((s) => s === 0), 'the lost packet is silence at its place');
    } finally {
      hangUp(c);
    }
  });

  it("record('both') mixes in what we played; silenceTimeoutMs and maxLengthMs end recordings", async () => {
    const c = await call(engine);
    try {
      const both = c.stream.record(join(dir, 'both.wav'), { mix: 'both' });
      await c.stream.play(voice(4000), never);
      const mixed = await both.stop();
      const file = readFileSync(mixed.path);
      const samples = new Int16Array(file.buffer.slice(file.byteOffset + 44, file.byteOffset + file.length));
      assert.ok(bestCorrelation(voice(4000), samples).corr > 0.9);

      const quiet = c.stream.record(join(dir, 'quiet.wav'), { mix: 'received', silenceTimeoutMs: 300 });
      assert.equal((await quiet.done).reason, 'silence');
      const short = c.stream.record(join(dir, 'short.wav'), { mix: 'received', maxLengthMs: 300 });
      const r = await short.done;
      assert.equal(r.reason, 'max-length');
      assert.ok(r.durationMs > 0 && r.durationMs <= 300, `${r.durationMs} ms`);
    } finally {
      hangUp(c);
    }
  });

  it('hold stops packets but not the clock: on resume the ts has advanced by the slots held, with the marker set', async () => {
    const c = await call(engine);
    try {
      await c.phone.next(5);
      const params = { remoteAddress: '127.0.0.1', remotePort: c.phone.port, payloadType: 0 as const, send: false, receive: true };
      c.stream.configure(params);
      await sleep(100);
      const held = c.phone.packets.length;
      const last = c.phone.packets.at(-1)!;
      await sleep(500);
      assert.equal(c.phone.packets.length, held, 'nothing sent on hold');
      c.stream.configure({ ...params, send: true });
      const [first, second] = await c.phone.next(2);
      assert.equal(first.marker, true);
      assert.equal(second.marker, false);
      assert.equal(first.sequence, (last.sequence + 1) & 0xffff);
      const jump = (first.timestamp - last.timestamp) >>> 0;
      assert.equal(jump % 160, 0);
      const slotsByClock = (first.at - last.at) / 20;
      assert.ok(Math.abs(jump / 160 - slotsByClock) <= 5, `ts advanced ${jump / 160} slots over ${slotsByClock.toFixed(1)} slots of wall time`);
    } finally {
      hangUp(c);
    }
  });

  it('close() rejects a pending play and ends a recording with reason closed', async () => {
    const c = await call(engine);
    const playing = c.stream.play(voice(8000 * 5), never);
    const recording = c.stream.record(join(dir, 'closed.wav'), { mix: 'received' });
    await c.phone.next(3);
    hangUp(c);
    c.stream.close();
    await assert.rejects(playing, /closed/);
    assert.equal((await recording.done).reason, 'closed');
    await assert.rejects(c.stream.play(voice(160), never), /closed/);
  });

  it('stats() reports streams, packet rates, send jitter and busy share per worker and in total', async () => {
    const c = await call(engine);
    try {
      await engine.stats();
      await c.phone.next(25);
      const s = await engine.stats();
      assert.equal(s.workers.length, 2);
      assert.ok(s.total.streams >= 1);
      assert.ok(s.total.txPps > 10, `${s.total.txPps} pps`);
      assert.ok(s.total.sendJitterMs.p50 <= s.total.sendJitterMs.p99);
      // A worker that is sending has spent some of the window busy, and never more than all of it.
      const sending = s.workers.find((w) => w.txPps > 0);
      assert.ok(sending && sending.busy > 0 && sending.busy <= 1, `busy ${sending?.busy}`);
      assert.ok(s.total.busy > 0 && s.total.busy <= 1);
    } finally {
      hangUp(c);
    }
  });
});

describe('MediaEngine limits', suite, () => {
  it('rtpTimeout fires once when the phone stops sending, and not while packets flow', async () => {
    const engine = await MediaEngine.start({ host: '127.0.0.1', portRange: portRange(), workers: 1, rtpTimeoutMs: 300 });
    const c = await call(engine);
    try {
      await sendPcm(c, voice(8000), { paced: true });
      assert.equal(c.timeouts, 0);
      await sleep(900);
      assert.equal(c.timeouts, 1);
    } finally {
      hangUp(c);
      await engine.close();
    }
  });

  it('a media worker that dies fails its streams: each hears `failed` and a pending play rejects', async () => {
    const engine = await MediaEngine.start({ host: '127.0.0.1', portRange: portRange(), workers: 1 });
    const c = await call(engine);
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    try {
      const playing = c.stream.play(voice(80_000), new AbortController().signal);
      // A real death of the worker thread (as an out-of-memory or a native crash would end it).
      await (engine as unknown as { workers: { worker: { terminate(): Promise<number> } }[] }).workers[0].worker.terminate();
      await assert.rejects(playing);
      await eventually(() => c.failures.length, (n) => n === 1);
      assert.match((await warned).message, /media worker stopped/);
    } finally {
      hangUp(c);
      await engine.close();
    }
  });

  it('openStream rejects when every even port of the range is taken, and a closed stream frees its port', async () => {
    const [first] = portRange();
    const engine = await MediaEngine.start({ host: '127.0.0.1', portRange: [first, first + 3], workers: 1 });
    try {
      const events = { dtmf() {}, rtpTimeout() {}, failed() {} };
      const a = await engine.openStream(events);
      const b = await engine.openStream(events);
      assert.ok(a.localPort % 2 === 0 && b.localPort % 2 === 0 && a.localPort !== b.localPort);
      await assert.rejects(engine.openStream(events), /no free RTP port/);
      a.close();
      a.close();
      let c: RtpStream | undefined;
      for (let i = 0; i < 50 && !c; i++) c = await engine.openStream(events).catch(() => sleep(20).then(() => undefined));
      assert.equal(c?.localPort, a.localPort);
    } finally {
      await engine.close();
    }
  });
});

function bestCorrelation(reference: Int16Array, recording: Int16Array): { corr: number; lag: number } {
  let eRef = 0;
  for (const s of reference) eRef += s * s;
  let best = { corr: 0, lag: 0 };
  for (let lag = 0; lag + reference.length <= recording.length; lag++) {
    let dot = 0;
    let e = 0;
    for (let i = 0; i < reference.length; i += 2) {
      const y = recording[lag + i];
      dot += reference[i] * y;
      e += y * y;
    }
    const corr = dot / (Math.sqrt(e * (eRef / 2)) + 1e-9);
    if (corr > best.corr) best = { corr, lag };
  }
  return best;
}
