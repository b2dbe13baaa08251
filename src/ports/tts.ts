import type { SayOptions } from './carrier.js';

/**
 * Text to speech for `<Say>` on real audio. Audio is 8 kHz mono signed 16-bit PCM, backed by a
 * SharedArrayBuffer so it can be handed to a media worker without a copy.
 */
export interface Tts {
  render(text: string, options: SayOptions, signal?: AbortSignal): Promise<Int16Array>;
}
