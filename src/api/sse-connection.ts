import type { ServerResponse } from 'node:http';

export interface SseConnectionOptions {
  /** Bytes the connection may hold unsent (beyond what the socket took); past it, the client is dropped. */
  maxBufferedBytes: number;
  /** Interval of the `: keep-alive` comment (real time: it keeps proxies from closing an idle stream). */
  keepAliveMs: number;
  /** Called once, when the stream ends for any reason. */
  onClose(reason: 'client' | 'slow' | 'server'): void;
}

/** A frame, or something that makes its frame when asked (history entries serialize lazily). */
export type Frame = string | { readonly frame: string };

/**
 * One Server-Sent Events stream (WHATWG HTML §9.2) on a hijacked response. Writes never wait:
 * each frame goes to the socket at once, and what the socket does not take yet waits in Node's
 * buffer. A client that does not read lets that buffer grow; once it passes `maxBufferedBytes`
 * the connection is destroyed (the client may reconnect and resume with `Last-Event-ID`), so
 * a slow reader costs bounded memory and never slows the calls whose events it watches.
 *
 * A resume's backlog may be larger than that allowance, so it is paced instead (`catchUp`):
 * written as the socket drains, with the live events that arrive meanwhile queued behind it,
 * in order; only those live events count against the allowance.
 */
export class SseConnection {
  private closed = false;
  private corked = false;
  private readonly keepAlive: NodeJS.Timeout;
  /** Frames waiting for the socket while catching up (backlog first, then live). */
  private queue: Frame[] = [];
  private next = 0;
  private queuedLiveBytes = 0;

  constructor(private readonly res: ServerResponse, private readonly options: SseConnectionOptions) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      // Reverse proxies (nginx) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.on('close', () => this.end('client'));
    res.on('error', () => this.end('client'));
    res.on('drain', () => this.pump());
    this.keepAlive = setInterval(() => this.send(': keep-alive\n\n'), options.keepAliveMs);
    this.keepAlive.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends a live frame; drops the client when it has fallen too far behind. */
  send(frame: Frame): void {
    if (this.closed) return;
    if (this.catchingUp) {
      this.queue.push(frame);
      this.queuedLiveBytes += text(frame).length;
      if (this.queuedLiveBytes > this.options.maxBufferedBytes) this.drop();
      return;
    }
    this.write(text(frame));
    if (this.res.writableLength > this.options.maxBufferedBytes) this.drop();
  }

  /** Sends `frames` (a resume's backlog) as fast as the client reads them, ahead of any later `send`. */
  catchUp(frames: Frame[]): void {
    if (this.closed || frames.length === 0) return;
    this.queue.push(...frames);
    this.pump();
  }

  /** Ends the stream from the server side (shutdown). */
  close(): void {
    if (this.closed) return;
    this.end('server');
    this.res.end();
  }

  private get catchingUp(): boolean {
    return this.next < this.queue.length;
  }

  /** Writes queued frames until Node's buffer is full; `drain` calls it again. */
  private pump(): void {
    while (!this.closed && this.catchingUp && !this.res.writableNeedDrain) {
      const frame = this.queue[this.next]!;
      this.queue[this.next++] = '';
      this.write(text(frame));
    }
    if (!this.catchingUp) {
      this.queue = [];
      this.next = 0;
      this.queuedLiveBytes = 0;
    }
  }

  private write(data: string): void {
    // The frames of one tick (a burst: a call's status, its webhook, its first verb) leave in
    // one write to the socket instead of one each.
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(() => {
        this.corked = false;
        this.res.uncork();
      });
    }
    this.res.write(data);
  }

  private drop(): void {
    this.end('slow');
    this.res.destroy();
  }

  private end(reason: 'client' | 'slow' | 'server'): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    this.queue = [];
    this.options.onClose(reason);
  }
}

function text(frame: Frame): string {
  return typeof frame === 'string' ? frame : frame.frame;
}
