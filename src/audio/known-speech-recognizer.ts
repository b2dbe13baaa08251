import type { Recognizer, RecognizerInput } from '../ports/recognizer.js';

/**
 * The Recognizer of the simulated network: a simulated phone's words are known, so its
 * transcription is exactly what it said during the recording, whichever voice rendered it.
 * Recordings without known words (SIP calls) go to `audio`, the engine for real sound.
 */
export class KnownSpeechRecognizer implements Recognizer {
  constructor(private readonly audio: Recognizer) {}

  recognize(input: RecognizerInput, signal?: AbortSignal): Promise<string> {
    if (input.spoken === undefined) return this.audio.recognize(input, signal);
    return Promise.resolve(input.spoken.map((words) => words.trim()).filter((words) => words !== '').join(' '));
  }
}
