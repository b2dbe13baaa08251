import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the app received, as the app saw it. */
export interface AppRequest {
  method: string;
  path: string;
  /** The full URL Switchboard requested (what it signed). */
  url: string;
  /** Form body (POST) or query (GET) parameters. */
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  at: number;
}

type Handler = (request: AppRequest) => { status?: number; body?: string | Buffer; type?: string; delayMs?: number } | string;

/**
 * A real TwiML application over node:http, as a voice app would run: routes answer with TwiML,
 * and every request is recorded so tests can assert which webhooks fired, with what.
 */
export class TwimlApp {
  readonly requests: AppRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private readonly waiters: { match: (r: AppRequest) => boolean; resolve: (r: AppRequest) => void }[] = [];
  private server!: Server;
  url = '';

  static async start(): Promise<TwimlApp> {
    const app = new TwimlApp();
    app.server = createServer((req, res) => void app.handle(req, res));
    app.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    app.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return app;
  }

  /** Answers `path` with TwiML (a string) or a handler. */
  route(path: string, handler: Handler | string): this {
    this.routes.set(path, typeof handler === 'string' ? () => handler : handler);
    return this;
  }

  /** Resolves with the first request (already received or future) to `path` matching `match`. */
  waitFor(path: string, match: (r: AppRequest) => boolean = () => true, timeoutMs = 5000): Promise<AppRequest> {
    const test = (r: AppRequest) => r.path === path && match(r);
    const seen = this.requests.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no request to ${path} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ match: test, resolve: (r) => { clearTimeout(timer); resolve(r); } });
    });
  }

  to(path: string): AppRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url!, this.url);
    const params = Object.fromEntries(req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString()) : url.searchParams);
    const request: AppRequest = { method: req.method!, path: url.pathname, url: this.url + req.url, params, headers: req.headers, at: Date.now() };
    this.requests.push(request);
    const handler = this.routes.get(url.pathname);
    const answer = handler ? handler(request) : { status: 404, body: 'not found', type: 'text/plain' };
    const { status = 200, body = '', type = 'text/xml', delayMs = 0 } = typeof answer === 'string' ? { body: answer } : answer;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (!res.destroyed) res.writeHead(status, { 'Content-Type': type }).end(body);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(request)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(request);
      }
    }
  }
}
