import { performance } from 'node:perf_hooks';
import { timestampDelta } from './rtp-packet.js';
import { WavWriter } from './wav-writer.js';

export type RecordingMix = 'received' | 'both';
export type RecordingEndReason = 'stopped' | 'silence' | 'max-length' | 'closed';

export interface RecordingOptions {
  mix: RecordingMix;
  silenceTimeoutMs?: number;
  maxLengthMs?: number;
}

export interface RecordingResult {
  path: string;
  durationMs: number;
  reason: RecordingEndReason;
}

const SAMPLES_PER_MS = 8;
/** Audio is mixed in memory for this long before it is written, so late packets still land. */
const WINDOW_SAMPLES = 2 * 8000;
/** How far behind "now" the written part of the file trails: covers network jitter and reorder. */
const WRITE_LAG_SAMPLES = 400 * SAMPLES_PER_MS;
/** Received audio anchored further than this ahead of now is mis-timed and gets re-anchored. */
const MAX_LEAD_SAMPLES = 8000;
/** Frame RMS above which the caller counts as speaking (about −38 dBFS). */
const VOICE_RMS = 400;

interface Anchor {
  ssrc: number;
  timestamp: number;
  position: number;
}

/**
 * One recording of a call, on the worker. The file's timeline is the wall clock from the
 * moment recording started. Received audio is placed by RTP timestamp relative to an anchor
 * taken from the wall clock at the first packet of each SSRC (sip-media-notes pitfall 17), so
 * lost packets become silence and 30 ms packets fit; what we sent is placed by its 20 ms slot,
 * and what we relayed from a bridged leg by its own timestamps, anchored the same way.
 * Both are summed in a short in-memory window and streamed to a WAV file behind it.
 */
export class Recording {
  private readonly writer: WavWriter;
  private readonly startedAt = performance.now();
  private readonly mix = new Int32Array(WINDOW_SAMPLES);
  /** File position of mix[0]; everything before it is on disk. */
  private base = 0;
  private anchor: Anchor | undefined;
  /** The same for audio relayed to the phone from the other leg of a bridge (its own SSRC and clock). */
  private relayAnchor: Anchor | undefined;
  /** File position just past the latest audio added. */
  private contentEnd = 0;
  private lastVoiceAt = this.startedAt;
  private ending: Promise<RecordingResult> | undefined;

  constructor(
    readonly path: string,
    private readonly options: RecordingOptions,
    private readonly onEnd: (result: Promise<RecordingResult>) => void,
  ) {
    this.writer = new WavWriter(path);
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  private positionAt(time: number): number {
    return Math.floor((time - this.startedAt) * SAMPLES_PER_MS);
  }

  /** Whether audio sent to the phone belongs in the file (a whole-call recording). */
  get mixesSent(): boolean {
    return this.options.mix === 'both';
  }

  /** Audio the phone sent, decoded. */
  received(ssrc: number, timestamp: number, pcm: Int16Array, count: number, now: number): void {
    if (this.ending) return;
    this.anchor = this.placeByTimestamp(this.anchor, ssrc, timestamp, pcm, count, now);
    if (this.options.silenceTimeoutMs !== undefined) {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += pcm[i] * pcm[i];
      if (sum > VOICE_RMS * VOICE_RMS * count) this.lastVoiceAt = now;
    }
  }

  /** Audio we sent in the slot scheduled at `slotTime`; only mixed in when recording both ways. */
  sent(slotTime: number, pcm: Int16Array, from: number, count: number): void {
    if (this.ending || this.options.mix !== 'both' || from >= pcm.length) return;
    const end = Math.min(pcm.length, from + count);
    this.add(this.positionAt(slotTime), pcm.subarray(from, end), end - from);
  }

  /**
   * Audio relayed to the phone from the other leg of a bridge, decoded; only mixed in when
   * recording both ways. Relayed packets are sent as they arrive, not in our 20 ms slots, so they
   * are placed by their RTP timestamps like received audio: the other phone's jitter does not
   * cut or overlap them.
   */
  relayed(ssrc: number, timestamp: number, pcm: Int16Array, count: number, now: number): void {
    if (this.ending || !this.mixesSent) return;
    this.relayAnchor = this.placeByTimestamp(this.relayAnchor, ssrc, timestamp, pcm, count, now);
  }

  /** Writes what is old enough and ends the recording when a limit is reached. */
  tick(now: number): void {
    if (this.ending) return;
    const { maxLengthMs, silenceTimeoutMs } = this.options;
    if (maxLengthMs !== undefined && now - this.startedAt >= maxLengthMs) return void this.end('max-length', now);
    if (silenceTimeoutMs !== undefined && now - this.lastVoiceAt >= silenceTimeoutMs) return void this.end('silence', now);
    this.flushTo(this.positionAt(now) - WRITE_LAG_SAMPLES);
  }

  /** Writes everything up to `now` (capped at the maximum length), closes the file. Idempotent. */
  end(reason: RecordingEndReason, now = performance.now()): Promise<RecordingResult> {
    if (!this.ending) {
      // The last frames sent or received reach a little past "now"; they belong in the file.
      let last = Math.max(this.positionAt(now), this.contentEnd);
      if (this.options.maxLengthMs !== undefined) last = Math.min(last, this.options.maxLengthMs * SAMPLES_PER_MS);
      this.flushTo(last);
      this.ending = this.writer.close().then((samples) => ({ path: this.path, durationMs: samples / SAMPLES_PER_MS, reason }));
      this.onEnd(this.ending);
    }
    return this.ending;
  }

  /**
   * Adds a packet at the place its timestamp gives relative to `anchor`, re-anchoring on a new
   * SSRC or a timestamp that lands outside the window; returns the anchor in use.
   */
  private placeByTimestamp(anchor: Anchor | undefined, ssrc: number, timestamp: number, pcm: Int16Array, count: number, now: number): Anchor {
    const nowPosition = this.positionAt(now);
    let position = anchor?.ssrc === ssrc ? anchor.position + timestampDelta(timestamp, anchor.timestamp) : NaN;
    if (!(position >= this.base - count && position <= nowPosition + MAX_LEAD_SAMPLES)) {
      anchor = { ssrc, timestamp, position: nowPosition };
      position = nowPosition;
    }
    this.add(position, pcm, count);
    return anchor!;
  }

  private add(position: number, pcm: Int16Array, count: number): void {
    let from = 0;
    if (position < this.base) {
      from = this.base - position;
      if (from >= count) return;
    }
    const endPosition = position + count;
    if (endPosition > this.base + WINDOW_SAMPLES) this.flushTo(endPosition - WINDOW_SAMPLES);
    const offset = position - this.base;
    if (endPosition > this.contentEnd) this.contentEnd = endPosition;
    for (let i = from; i < count; i++) this.mix[offset + i] += pcm[i];
  }

  /** Moves the window so that it starts at `position`, writing what falls out of it. */
  private flushTo(position: number): void {
    const n = position - this.base;
    if (n <= 0) return;
    const kept = Math.min(n, WINDOW_SAMPLES);
    const out = new Int16Array(kept);
    for (let i = 0; i < kept; i++) {
      const s = this.mix[i];
      out[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    }
    this.writer.write(out);
    if (n > WINDOW_SAMPLES) this.writer.writeSilence(n - WINDOW_SAMPLES);
    if (kept < WINDOW_SAMPLES) this.mix.copyWithin(0, kept);
    this.mix.fill(0, WINDOW_SAMPLES - kept);
    this.base = position;
  }
}
