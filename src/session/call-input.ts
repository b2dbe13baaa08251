/** Caller input: DTMF keys or a finished speech utterance. */
export type InputEvent = { kind: 'digits'; digits: string } | { kind: 'speech'; text: string; confidence: number };

/**
 * Routes the caller's input to whatever verb is listening. Input that arrives while nothing
 * listens is dropped, as on a real call: keys pressed during a `<Say>` outside a `<Gather>`
 * reach nobody.
 */
export class CallInput {
  private listener: ((event: InputEvent) => void) | null = null;

  /** Starts listening; the returned function stops (idempotent). Only one listener at a time. */
  listen(listener: (event: InputEvent) => void): () => void {
    this.listener = listener;
    return () => {
      if (this.listener === listener) this.listener = null;
    };
  }

  /** Returns false when the input was dropped because nothing was listening. */
  deliver(event: InputEvent): boolean {
    if (!this.listener) return false;
    this.listener(event);
    return true;
  }
}
