import type { ServerResponse } from 'node:http';

export interface SseConnectionOptions {
  /** Bytes the connection may hold unsent (beyond what the socket took); past it, the client is dropped. */
  maxBufferedBytes: number;
  /** Interval of the `: keep-alive` comment (real time: it keeps proxies from closing an idle stream). */
  keepAliveMs: number;
  /** Called once, when the stream ends for any reason. */
  onClose(reason: 'client' | 'slow' | 'server'): void;
}

/**
 * One Server-Sent Events stream (WHATWG HTML §9.2) on a hijacked response. Writes never wait:
 * each frame goes to the socket at once, and what the socket does not take yet waits in Node's
 * buffer. A client that does not read lets that buffer grow; once it passes `maxBufferedBytes`
 * the connection is destroyed (the client may reconnect and resume with `Last-Event-ID`), so
 * a slow reader costs bounded memory and never slows the calls whose events it watches.
 */
export class SseConnection {
  private closed = false;
  private readonly keepAlive: NodeJS.Timeout;

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
    this.keepAlive = setInterval(() => this.send(': keep-alive\n\n'), options.keepAliveMs);
    this.keepAlive.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues `text` (whole SSE frames); drops the client when it has fallen too far behind. */
  send(text: string): void {
    if (this.closed) return;
    this.res.write(text);
    if (this.res.writableLength > this.options.maxBufferedBytes) {
      this.end('slow');
      this.res.destroy();
    }
  }

  /** Ends the stream from the server side (shutdown). */
  close(): void {
    if (this.closed) return;
    this.end('server');
    this.res.end();
  }

  private end(reason: 'client' | 'slow' | 'server'): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    this.options.onClose(reason);
  }
}
