/** Caller input: DTMF keys or a finished speech utterance. */
export type InputEvent = { kind: 'digits'; digits: string } | { kind: 'speech'; text: string; confidence: number };

/**
 * Routes the caller's input to whatever verb is listening. Input that arrives while nothing
 * listens is dropped, as on a real call: keys pressed during a `<Say>` outside a `<Gather>`
 * reach nobody.
 */
export class CallInput {
  private listener: ((event: InputEvent) => void) | null = null;

  /** `onListening` hears when listening starts and stops (a carrier may detect tones only then). */
  constructor(private readonly onListening?: (on: boolean) => void) {}

  /** Starts listening; the returned function stops (idempotent). Only one listener at a time. */
  listen(listener: (event: InputEvent) => void): () => void {
    const wasListening = this.listener !== null;
    this.listener = listener;
    if (!wasListening) this.onListening?.(true);
    return () => {
      if (this.listener !== listener) return;
      this.listener = null;
      this.onListening?.(false);
    };
  }

  /** Returns false when the input was dropped because nothing was listening. */
  deliver(event: InputEvent): boolean {
    if (!this.listener) return false;
    this.listener(event);
    return true;
  }
}
