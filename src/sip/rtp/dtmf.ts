/**
 * DTMF keys shared by the RFC 4733 and in-band paths: event codes (RFC 4733 §3.2, table 3) and
 * the ITU-T Q.23 frequency pairs (rows 697–941 Hz, columns 1209–1633 Hz).
 */
export const DTMF_KEYS = '0123456789*#ABCD';

export const ROW_HZ = [697, 770, 852, 941] as const;
export const COLUMN_HZ = [1209, 1336, 1477, 1633] as const;

/** Keypad layout by [row][column]. */
export const KEYPAD = ['123A', '456B', '789C', '*0#D'] as const;

/** `w` waits half a second and `W` a whole second (TwiML `<Play digits>`). */
export const PAUSE_MS: Readonly<Record<string, number>> = { w: 500, W: 1000 };

/** Event code of a key, or undefined when `key` is not a DTMF key. */
export function eventCodeOf(key: string): number | undefined {
  const code = DTMF_KEYS.indexOf(key);
  return key.length === 1 && code >= 0 ? code : undefined;
}

/** The key of an event code 0–15; undefined for other events (flash, modem tones). */
export function keyOfEventCode(code: number): string | undefined {
  return code >= 0 && code < DTMF_KEYS.length ? DTMF_KEYS[code] : undefined;
}

/** Whether every character is a DTMF key or a `w`/`W` pause. */
export function isDigitString(digits: string): boolean {
  return /^[0-9*#A-DwW]*$/.test(digits);
}

/** Row and column frequency of a key. */
export function frequenciesOf(key: string): [number, number] {
  for (let r = 0; r < 4; r++) {
    const c = KEYPAD[r].indexOf(key);
    if (c >= 0) return [ROW_HZ[r], COLUMN_HZ[c]];
  }
  throw new RangeError(`not a DTMF key: ${JSON.stringify(key)}`);
}

/**
 * Peak amplitude of each of the two tones: about −11.6 dBm0 per tone (0 dBm0 is a sine of peak
 * ≈ 22,690, ITU-T G.711 table 5), inside the −3 to −20 dBm0 window receivers accept (Q.24).
 */
const TONE_AMPLITUDE = 6000;

/**
 * Writes a dual tone for `key` into `out` from `at` for `count` samples at 8 kHz. The first
 * and last 40 samples are ramped so the tone does not click.
 */
export function writeDualTone(key: string, out: Int16Array, at: number, count: number): void {
  const [low, high] = frequenciesOf(key);
  const wl = (2 * Math.PI * low) / 8000;
  const wh = (2 * Math.PI * high) / 8000;
  const ramp = Math.min(40, count >> 1);
  for (let i = 0; i < count; i++) {
    const gain = Math.min(1, i / ramp, (count - 1 - i) / ramp);
    out[at + i] = Math.round(TONE_AMPLITUDE * gain * (Math.sin(wl * i) + Math.sin(wh * i)));
  }
}
