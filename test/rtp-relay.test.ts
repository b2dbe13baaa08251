import assert from 'node:assert/strict';
import { tonePower } from './peers/audio-compare.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import alawmulaw from 'alawmulaw';
import { InbandDtmfDetector } from '../src/sip/rtp/goertzel.js';
import { MediaEngine, type RtpStream, type StreamEvents } from '../src/sip/rtp/media-engine.js';
import { parseTelephoneEvent } from '../src/sip/rtp/rfc4733.js';
import { RtpPhone, sleep, type Received } from './helpers/rtp-phone.js';

/** A random even port range, so concurrent test files rarely meet. */
function portRange(size = 200): [number, number] {
  const first = 20000 + 2 * Math.floor(Math.random() * 15000);
  return [first, first + size - 1];
}

interface End {
  stream: RtpStream;
  phone: RtpPhone;
  digits: string[];
  frames: Int16Array[];
}

async function end(engine: MediaEngine, payloadType: 0 | 8, telephoneEventPt: number | undefined, near?: RtpStream): Promise<End> {
  const phone = await RtpPhone.open();
  const e = { phone, digits: [] as string[], frames: [] as Int16Array[] } as End;
  const events: StreamEvents = { dtmf: (d) => e.digits.push(d), audio: (pcm) => e.frames.push(pcm), rtpTimeout() {}, failed() {} };
  e.stream = await engine.openStream(events, { near });
  e.stream.configure({ remoteAddress: '127.0.0.1', remotePort: phone.port, payloadType, telephoneEventPt, send: true, receive: true });
  return e;
}

function close(...ends: End[]): void {
  for (const e of ends) {
    e.stream.close();
    e.phone.close();
  }
}

/** A sine at `hz` (1 kHz by default, a G.711 test signal), 8 kHz PCM. */
const tone = (samples: number, hz = 1000) => Int16Array.from({ length: samples }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000)));

/** The samples of a WAV the worker wrote (a 44-byte header, then 16-bit PCM). */
function wavSamples(path: string): Int16Array {
  const file = readFileSync(path);
  return new Int16Array(file.buffer.slice(file.byteOffset + 44, file.byteOffset + file.length));
}

/** Sends `frames` 20 ms packets of `pcm` from `from`'s phone into its stream, paced at 20 ms. */
async function talk(from: End, pt: 0 | 8, pcm: Int16Array, ssrc = 0x4242, ts = 1000): Promise<void> {
  const codec = pt === 0 ? alawmulaw.mulaw : alawmulaw.alaw;
  for (let i = 0; i < pcm.length; i += 160, ts += 160) {
    from.phone.send(from.stream.localPort, { payloadType: pt, timestamp: ts, ssrc, marker: i === 0 }, codec.encode(pcm.subarray(i, i + 160)));
    await sleep(20);
  }
}

const isAudio = (pt: 0 | 8) => (p: Received) => p.payloadType === pt && !p.payload.every((b) => b === (pt === 0 ? 0xff : 0xd5));

const suite = { timeout: 60_000 };

describe('Linked RTP streams (the SIP bridge relay)', suite, () => {
  let engine: MediaEngine;
  let dir: string;
  before(async () => {
    engine = await MediaEngine.start({ host: '127.0.0.1', portRange: portRange(), workers: 2 });
    dir = mkdtempSync(join(tmpdir(), 'rtp-relay-'));
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a stream opened near another lands on its worker and links to it; one elsewhere does not', async () => {
    const a = await end(engine, 0, 101);
    const b = await end(engine, 0, 101, a.stream);
    const c = await end(engine, 0, 101);
    const d = await end(engine, 0, 101, c.stream);
    try {
      assert.equal(a.stream.link(b.stream), true);
      // The engine spreads the others over the two workers: one of c/d sits beside a, one not.
      const elsewhere = [c, d].find((x) => !a.stream.link(x.stream));
      assert.ok(elsewhere, 'a stream on the other worker cannot be linked');
    } finally {
      close(a, b, c, d);
    }
  });

  it('PCMU from one phone reaches the PCMA phone transcoded, under the PCMA stream\'s own SSRC and sequence, with the marker on the first', async () => {
    const a = await end(engine, 0, 101);
    const b = await end(engine, 8, 101, a.stream);
    try {
      const before = await b.phone.next(3);
      assert.ok(a.stream.link(b.stream));
      const sent = tone(160 * 20);
      const from = b.phone.packets.length;
      await talk(a, 0, sent);
      await sleep(60);
      const got = b.phone.packets.slice(from).filter(isAudio(8));
      assert.ok(got.length >= 18, `${got.length} relayed packets`);
      assert.ok(got.every((p) => p.ssrc === before[0].ssrc), 'the PCMA phone sees one source');
      for (let i = 1; i < got.length; i++) {
        assert.equal(got[i].sequence, (got[i - 1].sequence + 1) & 0xffff);
        assert.equal(got[i].timestamp, (got[i - 1].timestamp + 160) >>> 0);
      }
      assert.equal(got[0].marker, true);
      assert.ok(got.slice(1).every((p) => !p.marker));
      // A-law of the same tone: decoding what arrived gives back what was sent, within quantization.
      const heard = alawmulaw.alaw.decode(got[5].payload);
      const ref = sent.subarray(5 * 160, 6 * 160);
      let err = 0;
      for (let i = 0; i < 160; i++) err = Math.max(err, Math.abs(heard[i] - ref[i]));
      assert.ok(err < 600, `max sample error ${err}`);
      // While linked and quiet, the PCMA stream sends no silence of its own.
      const quietFrom = b.phone.packets.length;
      await sleep(200);
      assert.ok(b.phone.packets.length - quietFrom <= 1, 'no paced silence while linked');
    } finally {
      close(a, b);
    }
  });

  it('unlink brings back the stream\'s own silence, with the marker bit, and relayed packets are counted', async () => {
    const a = await end(engine, 0, 101);
    const b = await end(engine, 0, 101, a.stream);
    try {
      await engine.stats();
      a.stream.link(b.stream);
      await talk(b, 0, tone(160 * 10));
      const stats = await engine.stats();
      assert.ok(stats.total.relayPps > 0, `relay ${stats.total.relayPps} pps`);
      a.stream.unlink(b.stream);
      const from = a.phone.packets.length;
      await a.phone.until(() => a.phone.packets.length >= from + 5);
      const after = a.phone.packets.slice(from);
      assert.ok(after.every((p) => p.payload.every((x) => x === 0xff)), 'silence again');
      assert.equal(after[0].marker, true);
    } finally {
      close(a, b);
    }
  });

  it('an RFC 4733 key crosses on the other leg\'s telephone-event payload type, and is still reported where it was pressed', async () => {
    const a = await end(engine, 0, 101);
    const b = await end(engine, 8, 96, a.stream);
    try {
      a.stream.link(b.stream);
      await sleep(40);
      const from = b.phone.packets.length;
      a.phone.sendKeyPress(a.stream.localPort, 11, 5000, 0x77); // '#'
      await b.phone.until(() => b.phone.packets.slice(from).filter((p) => p.payloadType === 96).length >= 7);
      const events = b.phone.packets.slice(from).filter((p) => p.payloadType === 96);
      assert.ok(events.every((p) => parseTelephoneEvent(p.payload)?.event === 11));
      assert.equal(events[0].marker, true);
      assert.ok(events.every((p) => p.timestamp === events[0].timestamp), 'one event keeps one timestamp');
      assert.deepEqual(a.digits, ['#']);
    } finally {
      close(a, b);
    }
  });

  it('a key pressed toward a leg without telephone-event is played there as in-band tones', async () => {
    const a = await end(engine, 0, 101);
    const b = await end(engine, 0, undefined, a.stream);
    try {
      a.stream.link(b.stream);
      await sleep(40); // the link command reaches the worker before the key does
      const detected: string[] = [];
      const detector = new InbandDtmfDetector((d) => detected.push(d));
      const from = b.phone.packets.length;
      a.phone.sendKeyPress(a.stream.localPort, 5, 7000, 0x99);
      await b.phone.until(() => b.phone.packets.length >= from + 10);
      for (const p of b.phone.packets.slice(from)) detector.push(alawmulaw.mulaw.decode(p.payload), p.payload.length);
      assert.deepEqual(detected, ['5']);
    } finally {
      close(a, b);
    }
  });

  it('a tapped stream hands its received audio up as 20 ms frames; fed audio is played in order', async () => {
    const a = await end(engine, 0, 101);
    const b = await end(engine, 0, 101);
    try {
      a.stream.tap(true);
      await talk(a, 0, tone(160 * 5));
      await sleep(50);
      assert.ok(a.frames.length >= 4 && a.frames.every((f) => f.length === 160), `${a.frames.length} frames`);
      const from = b.phone.packets.length;
      for (const frame of a.frames) b.stream.feed(frame);
      await sleep(300);
      const heard = b.phone.packets.slice(from).filter(isAudio(0));
      assert.equal(heard.length, a.frames.length);
      a.stream.tap(false);
      const count = a.frames.length;
      await talk(a, 0, tone(160 * 3));
      await sleep(50);
      assert.equal(a.frames.length, count, 'no frames once the tap is off');
    } finally {
      close(a, b);
    }
  });

  it('a whole-call recording on a linked stream holds both sides: what its phone said and what was relayed to it from the other leg; a received-only one just its phone', async () => {
    const a = await end(engine, 0, 101);
    const b = await end(engine, 8, 101, a.stream);
    try {
      assert.ok(a.stream.link(b.stream));
      const both = b.stream.record(join(dir, 'both.wav'), { mix: 'both' });
      const received = b.stream.record(join(dir, 'received.wav'), { mix: 'received' });
      await sleep(40); // the link and record commands reach the worker before the audio does
      // The other leg's phone (PCMU) says 1 kHz; this leg's phone (PCMA) says 600 Hz at the same time.
      await Promise.all([talk(a, 0, tone(160 * 20)), talk(b, 8, tone(160 * 20, 600), 0x5151)]);
      await sleep(60);
      const [whole, own] = await Promise.all([both.stop(), received.stop()]);
      const mixed = wavSamples(whole.path);
      const phoneOnly = wavSamples(own.path);
      // Neither phone sent 1400 Hz: its power is the floor of G.711 noise and frame edges.
      const floor = tonePower(mixed, 1400);
      assert.ok(tonePower(mixed, 1000) > 100 * floor, 'the 1 kHz relayed from the other leg is in the whole-call recording');
      assert.ok(tonePower(mixed, 600) > 100 * floor, 'so is the 600 Hz this leg\'s own phone said');
      assert.ok(tonePower(mixed, 1000) > tonePower(mixed, 600) / 4 && tonePower(mixed, 600) > tonePower(mixed, 1000) / 4, 'the two sides are mixed at comparable levels');
      assert.ok(tonePower(phoneOnly, 600) > 100 * tonePower(phoneOnly, 1000), 'a received-only recording holds just this leg\'s phone');
    } finally {
      close(a, b);
    }
  });

  it('closing one linked stream leaves the other sending its own silence', async () => {
    const a = await end(engine, 0, 101);
    const b = await end(engine, 0, 101, a.stream);
    try {
      a.stream.link(b.stream);
      await sleep(60);
      a.stream.close();
      const from = b.phone.packets.length;
      await b.phone.until(() => b.phone.packets.length >= from + 5);
      assert.equal(b.phone.packets[from].marker, true);
    } finally {
      close(a, b);
    }
  });
});
