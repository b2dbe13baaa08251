/** What a producer hands back: the audio, and whether it may be kept for the next caller. */
export interface Produced {
  pcm: Int16Array;
  cacheable: boolean;
}

interface Flight {
  promise: Promise<Int16Array>;
  controller: AbortController;
  waiters: number;
}

/**
 * Rendered audio by key (TTS text+voice+language, or a `<Play>` URL): a least-recently-used
 * cache bounded by bytes, plus de-duplication of concurrent work. Callers asking for a key
 * that is already being produced wait for that one production; each caller's own signal only
 * detaches that caller, and the production itself is aborted (killing its child process) when
 * the last waiter has left.
 *
 * Every caller of a key receives the same Int16Array: treat it as read-only.
 */
export class AudioCache {
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Int16Array>();
  private readonly flights = new Map<string, Flight>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  get(key: string): Int16Array | undefined {
    const pcm = this.entries.get(key);
    if (pcm) {
      this.entries.delete(key);
      this.entries.set(key, pcm);
    }
    return pcm;
  }

  set(key: string, pcm: Int16Array): void {
    this.delete(key);
    if (pcm.byteLength > this.maxBytes) return; // would evict everything and still not fit
    this.entries.set(key, pcm);
    this.bytes += pcm.byteLength;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.byteLength;
    }
  }

  delete(key: string): void {
    const pcm = this.entries.get(key);
    if (!pcm) return;
    this.entries.delete(key);
    this.bytes -= pcm.byteLength;
  }

  /**
   * The cached audio for `key`, or the result of `produce` (run once however many callers
   * ask at the same time). Rejects with `signal.reason` as soon as this caller's signal aborts.
   */
  obtain(key: string, signal: AbortSignal | undefined, produce: (signal: AbortSignal) => Promise<Produced>): Promise<Int16Array> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const hit = this.get(key);
    if (hit) return Promise.resolve(hit);
    const flight = this.flights.get(key) ?? this.start(key, produce);
    flight.waiters++;
    return new Promise<Int16Array>((resolve, reject) => {
      let left = false;
      const leave = () => {
        left = true;
        signal?.removeEventListener('abort', onAbort);
        flight.waiters--;
      };
      const onAbort = () => {
        leave();
        if (flight.waiters === 0) {
          // Nobody wants it any more: stop the work, and let the next caller start afresh.
          if (this.flights.get(key) === flight) this.flights.delete(key);
          flight.controller.abort(signal!.reason);
        }
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (pcm) => {
          if (left) return;
          leave();
          resolve(pcm);
        },
        (error: unknown) => {
          if (left) return;
          leave();
          reject(error);
        },
      );
    });
  }

  private start(key: string, produce: (signal: AbortSignal) => Promise<Produced>): Flight {
    const controller = new AbortController();
    const flight: Flight = { controller, waiters: 0, promise: undefined as unknown as Promise<Int16Array> };
    flight.promise = (async () => {
      // Start on the next microtask: the first caller's abort listener must be in place before
      // any work (a child process) exists, or an abort during the spawn would go unseen.
      await undefined;
      try {
        const { pcm, cacheable } = await produce(controller.signal);
        if (cacheable && !controller.signal.aborted) this.set(key, pcm);
        return pcm;
      } finally {
        if (this.flights.get(key) === flight) this.flights.delete(key);
      }
    })();
    // Waiters handle the outcome; a production every waiter abandoned must not be "unhandled".
    flight.promise.catch(() => {});
    this.flights.set(key, flight);
    return flight;
  }
}
