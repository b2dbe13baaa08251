import type { FarEndSignal, Media, MediaJoin } from '../ports/carrier.js';
import type { Clock, Timer } from '../ports/clock.js';

/** Simulated speech lasts as the simulated network times it: 65 ms a character, at least 400 ms (simnet/sim-timing.ts). */
const SPEECH_MS_PER_CHAR = 65;
const SPEECH_MIN_MS = 400;
/** Audio louder than this RMS (about -36 dBFS) is speech… */
const SPEECH_RMS = 512;
/** …and this much quieter audio after it ends the utterance. */
const HANGOVER_MS = 600;

/**
 * Detects when a participant speaks, for the conference `speaker` events
 * (`participant-speech-start` / `-stop`, conferences.md §5): a simulated phone's words start
 * speech that lasts as long as they take to say; audio frames (a SIP leg) are speech while
 * their energy is above a threshold, ending after a short hangover.
 */
export function detectSpeech(media: Media, clock: Clock, changed: (speaking: boolean) => void): MediaJoin {
  let timer: Timer | null = null;
  const speakFor = (ms: number) => {
    if (!timer) changed(true);
    timer?.cancel();
    timer = clock.setTimer(ms, () => {
      timer = null;
      changed(false);
    });
  };
  const tap = media.tap((signal: FarEndSignal) => {
    if (signal.kind === 'speech') speakFor(Math.max(SPEECH_MIN_MS, SPEECH_MS_PER_CHAR * signal.text.length));
    else if (signal.kind === 'audio' && rms(signal.pcm) > SPEECH_RMS) speakFor(HANGOVER_MS);
  });
  return {
    close() {
      tap.close();
      timer?.cancel();
      timer = null;
    },
  };
}

function rms(pcm: Int16Array): number {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return pcm.length === 0 ? 0 : Math.sqrt(sum / pcm.length);
}
