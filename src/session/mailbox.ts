/**
 * A mailbox: messages are handled one at a time, in arrival order (design.md, "one mailbox
 * per call"; after xstate's Mailbox). `send` resolves when its message has been handled, so a
 * REST update can answer with the call as it is after the update.
 */
export class Mailbox<M> {
  private readonly queue: { message: M; done: (error?: unknown) => void }[] = [];
  private draining = false;

  constructor(private readonly handle: (message: M) => Promise<void> | void) {}

  send(message: M): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.draining) void this.drain();
    });
  }

  /** Fire and forget: for carrier events and verb completions, whose errors the handler reports itself. */
  post(message: M): void {
    this.send(message).catch(() => {});
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0) {
      const { message, done } = this.queue.shift()!;
      try {
        await this.handle(message);
        done();
      } catch (error) {
        done(error ?? new Error('mailbox handler failed'));
      }
    }
    this.draining = false;
  }
}
