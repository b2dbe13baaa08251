import { decodeG711, encodeG711, type G711PayloadType } from '../../audio/g711.js';
import { FRAME_SAMPLES } from './play-sources.js';

/**
 * Pieces of the bridge between two linked streams of one worker (a SIP ↔ SIP `<Dial>`):
 * G.711 law conversion for legs that negotiated different codecs, the timestamp mapping that
 * gives relayed packets the outgoing stream's own RTP clock, and the buffer that plays audio
 * fed from a leg elsewhere.
 */

/**
 * μ-law ↔ A-law as one 256-entry table per direction: decode then encode once, so relaying a
 * packet costs one array read per byte (ITU-T G.711 §3 defines both laws on the same 13/14-bit
 * linear scale, so nothing else is lost than the second quantization).
 */
function transcodeTable(from: G711PayloadType, to: G711PayloadType): Uint8Array {
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const pcm = new Int16Array(256);
  decodeG711(from, codes, pcm);
  const table = new Uint8Array(256);
  encodeG711(to, pcm, 0, table, 0, 256);
  return table;
}

/** Built once: by the payload type a packet arrives in (0 PCMU → PCMA, 8 PCMA → PCMU). */
const FROM_PCMU = transcodeTable(0, 8);
const FROM_PCMA = transcodeTable(8, 0);

/** Rewrites `payload` in place from the law of `from` to the other one. */
export function transcodeInPlace(payload: Uint8Array, from: G711PayloadType): void {
  const table = from === 0 ? FROM_PCMU : FROM_PCMA;
  for (let i = 0; i < payload.length; i++) payload[i] = table[payload[i]];
}

/**
 * Maps the timestamps of relayed packets onto the outgoing stream's clock (RFC 3550 §5.1: the
 * receiver sees one continuous source, not the other leg's). The offset is taken when relaying
 * starts and again whenever the incoming SSRC changes, so the spacing of the sender's packets
 * (20 or 30 ms, gaps of lost ones) is kept as is; each re-anchoring is a new talkspurt and the
 * packet after it carries the marker bit.
 */
export class RelayClock {
  private offset = 0;
  private ssrc: number | undefined;

  /** The next relayed packet starts a new mapping (relaying resumed after something else was sent). */
  restart(): void {
    this.ssrc = undefined;
  }

  /** Whether the last `map` started a new mapping (its packet carries the marker bit). */
  anchored = false;

  /** The outgoing timestamp of a packet (a number, not an object: this runs per relayed packet). */
  map(ssrc: number, timestamp: number, ourNext: number): number {
    this.anchored = this.ssrc !== ssrc;
    if (this.anchored) {
      this.ssrc = ssrc;
      this.offset = (ourNext - timestamp) >>> 0;
    }
    return (timestamp + this.offset) >>> 0;
  }
}

/** Fed audio queued beyond this is dropped oldest first: a bridge must not build up delay. */
const MAX_FEED_SAMPLES = 8000;
/** After running dry, playing resumes once this much is queued, to ride out the sender's jitter. */
const PREBUFFER_SAMPLES = 2 * FRAME_SAMPLES;

/**
 * Audio fed from a leg on another worker or carrier, one frame at a time without a promise per
 * frame: the stream plays it whenever nothing else plays. Frames come from another event loop,
 * so they arrive with jitter; the buffer starts with two frames in hand and caps what it holds.
 */
export class FeedBuffer {
  private readonly samples = new Int16Array(MAX_FEED_SAMPLES);
  private start = 0;
  private length = 0;
  private primed = false;

  push(pcm: Int16Array): void {
    for (let i = Math.max(0, pcm.length - MAX_FEED_SAMPLES); i < pcm.length; i++) {
      if (this.length === MAX_FEED_SAMPLES) {
        this.start = (this.start + 1) % MAX_FEED_SAMPLES;
        this.length--;
      }
      this.samples[(this.start + this.length) % MAX_FEED_SAMPLES] = pcm[i];
      this.length++;
    }
    if (this.length >= PREBUFFER_SAMPLES) this.primed = true;
  }

  /** Fills `out` with the next frame (zero-padded) and returns true, or false when nothing is due. */
  take(out: Int16Array): boolean {
    if (!this.primed || this.length === 0) {
      this.primed = false;
      return false;
    }
    const n = Math.min(FRAME_SAMPLES, this.length);
    for (let i = 0; i < n; i++) out[i] = this.samples[(this.start + i) % MAX_FEED_SAMPLES];
    out.fill(0, n, FRAME_SAMPLES);
    this.start = (this.start + n) % MAX_FEED_SAMPLES;
    this.length -= n;
    return true;
  }

  /** Something else plays: what was fed meanwhile is stale. */
  clear(): void {
    this.start = 0;
    this.length = 0;
    this.primed = false;
  }
}
