import { FRAME_SAMPLES } from './play-sources.js';
import { timestampDelta } from './rtp-packet.js';

/** 200 ms of samples: what one member may have in hand ahead of the mix. */
const RING_SAMPLES = 1600;
/** Audio is mixed this far behind the first packet of a talkspurt: rides out 40 ms of jitter. */
const DELAY_SAMPLES = 2 * FRAME_SAMPLES;
/** This many late packets in a row mean the sender's clock runs slow against ours: re-anchor. */
const LATE_RUN = 5;
/** No packet for this long (samples of the mix clock): the next one starts a new talkspurt. */
const IDLE_SAMPLES = 200 * 8;

/**
 * A small jitter buffer for one conference member (conferences.md §2 `jitterBufferSize`: a
 * fixed 40 ms here). Decoded packets are placed by RTP timestamp (RFC 3550 §5.1) in a ring the
 * mix reads 20 ms at a time, so reordered packets and 30 ms packets fit, lost ones read as
 * silence, and a packet older than the read position is late and dropped. A new SSRC, a jump
 * beyond the ring, a run of late packets (a slow sender clock) or an idle gap re-anchors the
 * read position 40 ms behind the packet that arrived.
 */
export class PlayoutBuffer {
  private readonly ring = new Int16Array(RING_SAMPLES);
  private anchored = false;
  private ssrc = 0;
  /** RTP timestamp of the sample at `readAt`. */
  private readTimestamp = 0;
  private readAt = 0;
  /** Samples ahead of the read position holding audio (the furthest written). */
  private filled = 0;
  private idle = 0;
  private lateRun = 0;
  /** Packets dropped because they came after their audio was mixed. */
  late = 0;

  push(ssrc: number, timestamp: number, pcm: Int16Array, count: number): void {
    let offset = this.anchored && ssrc === this.ssrc ? timestampDelta(timestamp, this.readTimestamp) : NaN;
    if (offset < 0 && ++this.lateRun < LATE_RUN) {
      this.late++;
      return;
    }
    if (!(offset >= 0 && offset + count <= RING_SAMPLES)) {
      this.anchored = true;
      this.ssrc = ssrc;
      this.ring.fill(0);
      this.readTimestamp = (timestamp - DELAY_SAMPLES) >>> 0;
      this.filled = 0;
      offset = DELAY_SAMPLES;
    }
    this.lateRun = 0;
    this.idle = 0;
    for (let i = 0; i < count; i++) this.ring[(this.readAt + offset + i) % RING_SAMPLES] = pcm[i];
    if (offset + count > this.filled) this.filled = offset + count;
  }

  /** Moves the next 20 ms into `out`; false (and `out` untouched) when none of it holds audio. */
  take(out: Int16Array): boolean {
    if (!this.anchored) return false;
    const has = this.filled > 0;
    if (has) for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = this.ring[(this.readAt + i) % RING_SAMPLES];
    this.advance(FRAME_SAMPLES);
    return has;
  }

  /** The mix skipped `slots` frames: their audio is stale. */
  skip(slots: number): void {
    if (this.anchored) this.advance(slots * FRAME_SAMPLES);
  }

  private advance(samples: number): void {
    if (samples >= RING_SAMPLES) this.ring.fill(0);
    else for (let i = 0; i < samples; i++) this.ring[(this.readAt + i) % RING_SAMPLES] = 0;
    this.readAt = (this.readAt + samples) % RING_SAMPLES;
    this.readTimestamp = (this.readTimestamp + samples) >>> 0;
    this.filled = Math.max(0, this.filled - samples);
    this.idle += samples;
    if (this.idle >= IDLE_SAMPLES) this.anchored = false;
  }
}
