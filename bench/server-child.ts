/**
 * A server under load, in its own process so it does not share an event loop with the load
 * generator. Started by `bench/run.ts` through `fork()` with `--import tsx --expose-gc`:
 *
 *   server-child.ts switchboard   a Switchboard (logger off, time scale 1, fresh data dir)
 *   server-child.ts switchboard '{"sip":{…}}'   the same with the SIP/RTP edge on (SipOptions as JSON)
 *   server-child.ts bare          a bare node:http server answering the bodies it is given
 *
 * It talks to the parent over the IPC channel only: `{ id, cmd, args }` in, `{ id, result }` or
 * `{ id, error }` out, plus one `{ type: 'ready', … }` when listening. When the parent goes away
 * (IPC disconnect) the child closes its server and exits on its own.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSwitchboard, type SipOptions, type Switchboard } from '../src/app.js';

export interface Ready {
  type: 'ready';
  url: string;
  accountSid: string;
  authToken: string;
  /** The data dir to remove should the child die before removing it itself. */
  dataDir: string | null;
  /** Where SIP reaches the server, when it was started with the SIP edge on. */
  sip?: { host: string; port: number };
}

export interface MemoryReading {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  liveCalls: number;
}

type Command = { id: number; cmd: string; args?: any };
type Handler = (args: any) => unknown;

const mode = process.argv[2];
if (!process.send) throw new Error('server-child.ts must be started with fork() (it needs an IPC channel)');
const send = (message: unknown) => process.send!(message);

async function settledMemory(liveCalls: number): Promise<MemoryReading> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the child with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, liveCalls };
}

async function startSwitchboardChild(sip?: SipOptions): Promise<{ ready: Ready; handlers: Record<string, Handler>; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  let server: Switchboard;
  try {
    server = await startSwitchboard({ port: 0, dataDir, logger: false, timeScale: 1, sip });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  /** When each call's `<Dial>` started, epoch ms from this process's high-resolution clock. */
  const dialReached = new Map<string, number>();
  server.events.on('verb-started', (event) => {
    if (event.verb === 'Dial') dialReached.set(event.callSid, performance.timeOrigin + performance.now());
  });
  const handlers: Record<string, Handler> = {
    memory: () => settledMemory(server.calls.liveCount),
    /** `<Dial>` start times by parent CallSid (and forgets them). */
    dialReached: () => {
      const reached = Object.fromEntries(dialReached);
      dialReached.clear();
      return reached;
    },
    liveCalls: () => server.calls.liveCount,
    /** The media workers' figures since the previous `mediaStats` (SIP edge only). */
    mediaStats: () => server.mediaStats(),
    /** CPU time of the whole process (main thread and media workers), microseconds. */
    cpuUsage: () => process.cpuUsage(),
    /**
     * Reference for the memory figure: `count` plain-object copies of one call record (as the
     * session holds it), each with its own SID string. Returns bytes of heap per copy.
     */
    recordReference: async ({ sid, count }: { sid: string; count: number }) => {
      const record = await server.calls.fetch(server.accountSid, sid);
      const before = await settledMemory(0);
      const copies: unknown[] = [];
      for (let i = 0; i < count; i++) {
        const copy = structuredClone(record);
        copy.sid = 'CA' + (0x10000000 + i).toString(16).padStart(32, '0');
        copies.push(copy);
      }
      const after = await settledMemory(0);
      const perCopy = (after.heapUsed + after.external - before.heapUsed - before.external) / count;
      copies.length = 0;
      return { bytesPerRecord: perCopy };
    },
  };
  return {
    ready: { type: 'ready', url: server.url, accountSid: server.accountSid, authToken: server.authToken, dataDir, sip: server.sip },
    handlers,
    async close() {
      try {
        await server.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The reference server: plain node:http, no framework, no store. It reads every body, parses
 * form bodies with URLSearchParams (as Switchboard must) and answers with the bytes the parent
 * configured: GET → 200 `fetch`, POST to a collection (`…/Calls.json`) → 201 `create`,
 * any other POST → 200 `update`.
 */
async function startBareChild(): Promise<{ ready: Ready; handlers: Record<string, Handler>; close(): Promise<void> }> {
  const bodies = { fetch: '{}', create: '{}', update: '{}' };
  const json = 'application/json; charset=utf-8';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': json }).end(bodies.fetch);
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      if (!form.has('To') && !form.has('Url')) {
        res.writeHead(400, { 'content-type': json }).end('{"status":400}');
      } else if (req.url!.endsWith('/Calls.json')) {
        res.writeHead(201, { 'content-type': json }).end(bodies.create);
      } else {
        res.writeHead(200, { 'content-type': json }).end(bodies.update);
      }
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ready: { type: 'ready', url, accountSid: '', authToken: '', dataDir: null },
    handlers: {
      bodies: (args: Partial<typeof bodies>) => void Object.assign(bodies, args),
      memory: () => settledMemory(0),
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function main(): Promise<void> {
  const child = mode === 'switchboard' ? await startSwitchboardChild(process.argv[3] ? (JSON.parse(process.argv[3]) as { sip?: SipOptions }).sip : undefined) : mode === 'bare' ? await startBareChild() : null;
  if (!child) throw new Error(`unknown mode ${mode}: use switchboard or bare`);
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= child.close().then(
      () => process.exit(0),
      (err) => {
        console.error('server-child: close failed', err);
        process.exit(1);
      },
    ));
  child.handlers.close = () => void close();
  process.on('message', async (message: Command) => {
    const handler = child.handlers[message.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      send({ id: message.id, result: (await handler(message.args)) ?? null });
    } catch (err) {
      send({ id: message.id, error: String((err as Error)?.stack ?? err) });
    }
  });
  process.on('disconnect', () => void close());
  process.on('SIGTERM', () => void close());
  send(child.ready);
}

main().catch((err) => {
  console.error('server-child: failed to start', err);
  process.exit(1);
});
