/**
 * How long simulated audio lasts, in call-time ms. Shared by what the far end hears (SimMedia)
 * and what a simulated phone sends into recordings (SimRecording); nothing is synthesised.
 */

/**
 * Simulated speaking rate: about 65 ms per character (roughly 150 words a minute, the pace of
 * Twilio's voices), never under 400 ms, so even "Hi" takes a noticeable moment.
 */
export const SAY_MS_PER_CHAR = 65;
/** Shortest simulated `<Say>`, in ms. */
export const SAY_MIN_MS = 400;
/** One DTMF key: tone plus inter-digit gap, as `sendDigits`/`<Play digits>` send them. */
export const TONE_MS_PER_KEY = 100;
/** `w` waits half a second and `W` a whole second (twiml-voice.md, `<Play digits>`). */
export const WAIT_MS = { w: 500, W: 1000 } as const;

/** `<Record playBeep>`: half a second of 1 kHz before recording starts. */
export const BEEP_MS = 500;

/** Simulated duration of `<Say>` text, in call-time ms. */
export function sayDurationMs(text: string): number {
  return Math.max(SAY_MIN_MS, SAY_MS_PER_CHAR * text.length);
}
