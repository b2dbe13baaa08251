/**
 * Speech to text for `<Record transcribe>` (transcriptions.md). Adapters: the simulated
 * network's words (what the phone said is known exactly) and an offline engine (pocketsphinx)
 * for real audio.
 */
export interface Recognizer {
  /**
   * The words of a recording. Rejects when no text can be made (engine missing or failing);
   * resolves with '' for audio in which nothing was recognized.
   */
  recognize(input: RecognizerInput, signal?: AbortSignal): Promise<string>;
}

export interface RecognizerInput {
  /** The recording: 8 kHz mono signed 16-bit PCM WAV. */
  path: string;
  /**
   * What the far end is known to have said during the recording, in order (a simulated phone's
   * words); undefined when only the audio is known (a SIP call).
   */
  spoken?: readonly string[];
}
