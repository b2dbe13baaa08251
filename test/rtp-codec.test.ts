import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeG711, encodeG711, silenceByte } from '../src/audio/g711.js';
import { EventDigitSource, PcmSource, SlotFrame, renderInbandDigits } from '../src/sip/rtp/play-sources.js';
import { PortPool } from '../src/sip/rtp/port-pool.js';
import { TelephoneEventDecoder, parseTelephoneEvent, writeTelephoneEvent } from '../src/sip/rtp/rfc4733.js';
import { parseRtpPacket, timestampDelta, writeRtpHeader } from '../src/sip/rtp/rtp-packet.js';
import { WAV_HEADER_BYTES, WavWriter } from '../src/sip/rtp/wav-writer.js';

describe('RTP packets (RFC 3550 §5.1)', () => {
  it('a written header parses back to the same fields and payload', () => {
    const buf = Buffer.alloc(12 + 4);
    writeRtpHeader(buf, { marker: true, payloadType: 8, sequence: 0xfffe, timestamp: 0xfffffff0, ssrc: 0xdeadbeef });
    buf.set([1, 2, 3, 4], 12);
    const p = parseRtpPacket(buf)!;
    assert.deepEqual(
      { marker: p.marker, pt: p.payloadType, seq: p.sequence, ts: p.timestamp, ssrc: p.ssrc, payload: [...p.payload] },
      { marker: true, pt: 8, seq: 0xfffe, ts: 0xfffffff0, ssrc: 0xdeadbeef, payload: [1, 2, 3, 4] },
    );
  });

  it('CSRCs, a header extension and padding are skipped to find the payload', () => {
    const csrc = Buffer.alloc(8, 0xaa); // CC = 2
    const extension = Buffer.from([0xbe, 0xde, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44]); // 1 word
    const payload = Buffer.from([9, 8, 7]);
    const padding = Buffer.from([0, 0, 3]);
    const head = Buffer.alloc(12);
    writeRtpHeader(head, { marker: false, payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3 });
    head[0] = 0x80 | 0x20 | 0x10 | 2;
    const p = parseRtpPacket(Buffer.concat([head, csrc, extension, payload, padding]))!;
    assert.deepEqual([...p.payload], [9, 8, 7]);
    assert.equal(p.payloadType, 0);
  });

  it('garbage, other versions and truncated headers are rejected without throwing', () => {
    const cases = [Buffer.alloc(0), Buffer.alloc(11), Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])];
    const ext = Buffer.alloc(16);
    writeRtpHeader(ext, { marker: false, payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0 });
    ext[0] |= 0x10;
    ext.writeUInt16BE(100, 14); // extension longer than the datagram
    cases.push(ext);
    const pad = Buffer.alloc(14);
    writeRtpHeader(pad, { marker: false, payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0 });
    pad[0] |= 0x20;
    pad[13] = 200; // more padding than payload
    cases.push(pad);
    for (const c of cases) assert.equal(parseRtpPacket(c), undefined);
  });

  it('timestamp distance is signed and survives wrap-around', () => {
    assert.equal(timestampDelta(100, 0xffffff00), 356);
    assert.equal(timestampDelta(0xffffff00, 100), -356);
  });
});

describe('G.711', () => {
  it('silence encodes to 0xFF (PCMU) and 0xD5 (PCMA), which decode to the codec\'s smallest level', () => {
    for (const pt of [0, 8] as const) {
      const out = new Uint8Array(4);
      encodeG711(pt, new Int16Array(2), 0, out, 0, 4);
      assert.deepEqual([...out], Array(4).fill(silenceByte(pt)));
      const back = new Int16Array(4);
      decodeG711(pt, out, back);
      // μ-law has a true zero; A-law's smallest level is ±8 (G.711 table 1a).
      assert.deepEqual([...back], Array(4).fill(pt === 0 ? 0 : 8));
    }
  });

  it('a sine survives an encode/decode round trip within G.711 quantisation', () => {
    const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(10000 * Math.sin(i / 3)));
    for (const pt of [0, 8] as const) {
      const coded = new Uint8Array(160);
      encodeG711(pt, pcm, 0, coded, 0, 160);
      const back = new Int16Array(160);
      decodeG711(pt, coded, back);
      for (let i = 0; i < 160; i++) assert.ok(Math.abs(back[i] - pcm[i]) <= Math.abs(pcm[i]) / 16 + 16, `sample ${i}`);
    }
  });
});

describe('RFC 4733 telephone events', () => {
  const packet = (event: number, end: boolean, duration: number) => {
    const p = new Uint8Array(4);
    writeTelephoneEvent(p, 0, { event, end, volume: 10, duration });
    return p;
  };

  it('a press reports once on its first packet; updates and the three end packets are repeats', () => {
    const d = new TelephoneEventDecoder();
    const seen = [
      d.accept(1, 1000, packet(5, false, 160)),
      d.accept(1, 1000, packet(5, false, 320)),
      d.accept(1, 1000, packet(5, true, 480)),
      d.accept(1, 1000, packet(5, true, 480)),
      d.accept(1, 1000, packet(5, true, 480)),
      d.accept(1, 2000, packet(11, true, 800)), // first packets lost: the end packet still reports
      d.accept(1, 2000, packet(11, true, 800)),
      d.accept(1, 1000, packet(5, true, 480)), // a late retransmission of the earlier press
      d.accept(2, 1000, packet(10, false, 160)), // new SSRC, same timestamp: a new press
      d.accept(2, 3000, packet(16, false, 160)), // flash: not a DTMF key
    ];
    assert.deepEqual(seen, [ '5', undefined, undefined, undefined, undefined, '#', undefined, undefined, '*', undefined]);
  });

  it('sending a digit gives growing durations on one timestamp, the marker first, and three end packets', () => {
    const source = new EventDigitSource('7');
    const frame = new SlotFrame();
    const sent: { kind: string; start: boolean; ts: number; end: boolean; duration: number; event: number }[] = [];
    let done = false;
    for (let ts = 5000; !done; ts += 160) {
      frame.reset();
      done = source.fill(frame, ts);
      const e = frame.event;
      sent.push({ kind: frame.kind, start: frame.eventStart, ts: frame.eventTimestamp, end: e.end, duration: e.duration, event: e.event });
    }
    const events = sent.filter((s) => s.kind === 'event');
    assert.deepEqual(events.map((e) => [e.start, e.end, e.duration]), [
      [true, false, 160],
      [false, false, 320],
      [false, false, 480],
      [false, false, 640],
      [false, true, 800],
      [false, true, 800],
      [false, true, 800],
    ]);
    assert.ok(events.every((e) => e.ts === 5000 && e.event === 7));
    assert.ok(sent.length > events.length, 'a gap of silence follows the key');
    assert.deepEqual(parseTelephoneEvent(packet(7, true, 800)), { event: 7, end: true, volume: 10, duration: 800 });
  });

  it('w and W pause for half a second and a second between digits', () => {
    const slots = (digits: string) => {
      const s = new EventDigitSource(digits);
      const f = new SlotFrame();
      let n = 0;
      while (!s.fill(f, 0)) n++;
      return n + 1;
    };
    assert.equal(slots('1w2') - slots('12'), 25);
    assert.equal(slots('1W2') - slots('12'), 50);
    assert.equal(renderInbandDigits('1W').length - renderInbandDigits('1').length, 8000);
  });
});

describe('PcmSource', () => {
  it('hands out 160-sample frames and reports the last one', () => {
    const s = new PcmSource(new Int16Array(400));
    const f = new SlotFrame();
    assert.deepEqual([s.fill(f), f.from, s.fill(f), f.from, s.fill(f), f.from], [false, 0, false, 160, true, 320]);
  });
});

describe('PortPool', () => {
  it('hands out only even ports, round-robin, and none when all are taken', () => {
    const pool = new PortPool(10001, 10006);
    assert.deepEqual([pool.take(), pool.take(), pool.take(), pool.take()], [10002, 10004, 10006, undefined]);
    pool.release(10004);
    assert.equal(pool.take(), 10004);
    assert.throws(() => new PortPool(7, 7), RangeError);
  });
});

describe('WavWriter', () => {
  it('streams samples and patches a 44-byte 8 kHz mono 16-bit header at close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtp-wav-'));
    try {
      const path = join(dir, 'a.wav');
      const w = new WavWriter(path);
      w.write(Int16Array.from([1, -1, 32767]));
      w.writeSilence(2);
      assert.equal(await w.close(), 5);
      const f = readFileSync(path);
      assert.equal(f.length, WAV_HEADER_BYTES + 10);
      assert.equal(f.toString('ascii', 0, 4), 'RIFF');
      assert.equal(f.readUInt32LE(4), 36 + 10);
      assert.equal(f.toString('ascii', 8, 16), 'WAVEfmt ');
      assert.deepEqual([f.readUInt16LE(20), f.readUInt16LE(22), f.readUInt32LE(24), f.readUInt32LE(28), f.readUInt16LE(32), f.readUInt16LE(34)], [1, 1, 8000, 16000, 2, 16]);
      assert.equal(f.toString('ascii', 36, 40), 'data');
      assert.equal(f.readUInt32LE(40), 10);
      assert.deepEqual([f.readInt16LE(44), f.readInt16LE(46), f.readInt16LE(48), f.readInt16LE(50)], [1, -1, 32767, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
