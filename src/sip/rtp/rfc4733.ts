import { keyOfEventCode } from './dtmf.js';

/**
 * RFC 4733 telephone-event payload (§2.3):
 *
 *  0                   1                   2                   3
 * |     event     |E|R| volume    |          duration             |
 */
export const EVENT_PAYLOAD_BYTES = 4;

export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < EVENT_PAYLOAD_BYTES) return undefined;
  return {
    event: payload[0],
    end: (payload[1] & 0x80) !== 0,
    volume: payload[1] & 0x3f,
    duration: (payload[2] << 8) | payload[3],
  };
}

/** Writes an event payload at `at`. Volume is the power level in −dBm0 (0–63, §2.5.2.2). */
export function writeTelephoneEvent(out: Uint8Array, at: number, e: TelephoneEvent): void {
  out[at] = e.event & 0xff;
  out[at + 1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  out[at + 2] = (e.duration >> 8) & 0xff;
  out[at + 3] = e.duration & 0xff;
}

/** How many recent key presses are remembered, so late end retransmissions are not new presses. */
const REMEMBERED_PRESSES = 8;

/**
 * Turns a stream of telephone-event packets into key presses. All packets of one press carry the
 * timestamp of its start (§2.5.1.2), and the final packet is sent three times (§2.5.1.4), so a
 * press is keyed by SSRC and timestamp: the first packet seen reports the key (even when it is
 * already an end packet, the earlier ones lost) and every later packet of the press is a repeat.
 */
export class TelephoneEventDecoder {
  private readonly recent: string[] = [];

  /** Returns the key pressed when `payload` starts a new press, otherwise undefined. */
  accept(ssrc: number, timestamp: number, payload: Uint8Array): string | undefined {
    const e = parseTelephoneEvent(payload);
    if (!e) return undefined;
    const key = keyOfEventCode(e.event);
    if (key === undefined) return undefined;
    const press = `${ssrc >>> 0}:${timestamp >>> 0}`;
    if (this.recent.includes(press)) return undefined;
    this.recent.push(press);
    if (this.recent.length > REMEMBERED_PRESSES) this.recent.shift();
    return key;
  }
}
