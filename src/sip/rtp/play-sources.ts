import { PAUSE_MS, eventCodeOf, writeDualTone } from './dtmf.js';
import type { TelephoneEvent } from './rfc4733.js';

/** Samples per 20 ms frame at 8 kHz, and RTP timestamp units per frame. */
export const FRAME_SAMPLES = 160;
const FRAME_MS = 20;

/** What one 20 ms slot carries; one instance per stream, refilled every slot. */
export class SlotFrame {
  kind: 'silence' | 'audio' | 'event' = 'silence';
  /** Audio: FRAME_SAMPLES samples of `pcm` from `from` (zero-padded past its end). */
  pcm: Int16Array = new Int16Array(0);
  from = 0;
  /** Event: the payload and the RTP timestamp of the event's first packet (RFC 4733 §2.5.1.2). */
  readonly event: TelephoneEvent = { event: 0, end: false, volume: 10, duration: 0 };
  eventTimestamp = 0;
  /** Event: the first packet of a new event carries the marker bit (§2.5.1.3). */
  eventStart = false;

  reset(): void {
    this.kind = 'silence';
    this.eventStart = false;
  }
}

/** Something that fills consecutive slots: a prompt, a digit string. */
export interface FrameSource {
  /** Fills the slot with RTP timestamp `timestamp`; returns true when that was the last frame. */
  fill(frame: SlotFrame, timestamp: number): boolean;
  /**
   * The play was stopped. True when the source must still send a few frames to stop cleanly
   * (it has cut itself short to those); false when it can be dropped at once.
   */
  interrupt?(): boolean;
}

/** 8 kHz PCM, 160 samples a slot. */
export class PcmSource implements FrameSource {
  private position = 0;
  constructor(private readonly pcm: Int16Array) {}

  fill(frame: SlotFrame): boolean {
    frame.kind = 'audio';
    frame.pcm = this.pcm;
    frame.from = this.position;
    this.position += FRAME_SAMPLES;
    return this.position >= this.pcm.length;
  }
}

/** Key timing shared by both ways of sending digits: 100 ms of tone, then 100 ms of gap. */
const TONE_SLOTS = 5;
const GAP_SLOTS = 5;
/** The final packet of an event is sent three times in all (RFC 4733 §2.5.1.4). */
const END_PACKETS = 3;
/** Event volume, in −dBm0 (§2.3.4): the level of a typical keypad tone. */
const EVENT_VOLUME = 10;

/** Renders digits as in-band dual tones (ITU-T Q.23); `w`/`W` become silence. */
export function renderInbandDigits(digits: string): Int16Array {
  const slots = [...digits].reduce((n, ch) => n + slotsOf(ch), 0);
  const out = new Int16Array(slots * FRAME_SAMPLES);
  let at = 0;
  for (const ch of digits) {
    if (eventCodeOf(ch) !== undefined) writeDualTone(ch, out, at, TONE_SLOTS * FRAME_SAMPLES);
    at += slotsOf(ch) * FRAME_SAMPLES;
  }
  return out;
}

function slotsOf(ch: string): number {
  const pause = PAUSE_MS[ch];
  return pause !== undefined ? pause / FRAME_MS : TONE_SLOTS + GAP_SLOTS;
}

/**
 * Digits as RFC 4733 events: per key, packets every 20 ms with the growing duration, the last
 * one marked E and sent three times, then silence until the next key. The end retransmissions
 * overlap the gap, as §2.5.1.4 allows, so a key lasts 200 ms either way.
 */
export class EventDigitSource implements FrameSource {
  private index = 0;
  private slot = 0;
  /** Set when the play was stopped mid-event: the current key's end packets are the last frames. */
  private cut = false;

  constructor(private readonly digits: string) {}

  /**
   * A key whose event has started must still be ended (RFC 4733 §2.5.1.4: the end bit, sent three
   * times), or the far end holds the key down until its own timeout. Its end packets go out next.
   */
  interrupt(): boolean {
    const started = eventCodeOf(this.digits[this.index]) !== undefined && this.slot > 0 && this.slot < TONE_SLOTS + END_PACKETS - 1;
    if (!started) return false;
    this.slot = Math.max(this.slot, TONE_SLOTS - 1);
    this.cut = true;
    return true;
  }

  fill(frame: SlotFrame, timestamp: number): boolean {
    const ch = this.digits[this.index];
    const code = eventCodeOf(ch);
    if (code !== undefined && this.slot < TONE_SLOTS + END_PACKETS - 1) {
      frame.kind = 'event';
      frame.eventStart = this.slot === 0;
      if (frame.eventStart) frame.eventTimestamp = timestamp;
      const e = frame.event;
      e.event = code;
      e.volume = EVENT_VOLUME;
      e.end = this.slot >= TONE_SLOTS - 1;
      e.duration = Math.min(this.slot + 1, TONE_SLOTS) * FRAME_SAMPLES;
    }
    if (this.cut && this.slot >= TONE_SLOTS + END_PACKETS - 2) return true;
    if (++this.slot >= slotsOf(ch)) {
      this.slot = 0;
      this.index++;
    }
    return this.index >= this.digits.length;
  }
}
