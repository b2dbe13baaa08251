/**
 * 9. Queue throughput (issue 8): callers `<Enqueue>` and are taken by agents already waiting in
 * `<Dial><Queue>`, on the simulated network. For each caller, from its `<Enqueue>` document
 * leaving the app (the caller's TwiML request) to the `<Queue url>` request made on its leg
 * once an agent has taken it (just before the bridge): the enqueue → bridged latency, and the
 * callers bridged per second over the whole batch.
 *
 * The generator is this process: `POST /Calls` for the agents, then for the callers (8
 * connections), and a node:http TwiML app that timestamps each request as it arrives. The
 * reference, in the same run on the same server: the same number of calls whose document
 * `<Redirect>`s to the app once (the same two webhooks per call, no queue between them).
 *
 *   BENCH_QUEUE_CALLS=500   callers (and as many agents)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fmt, ms, notes, rows } from './report.js';
import { percentile, runBatch, ServerChild, sleep, withTimeout } from './lib.js';

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const CALLS = Number(process.env.BENCH_QUEUE_CALLS ?? 500) || 500;
const CONNECTIONS = 8;
const WAIT_MS = 60_000;

/** A TwiML app that answers by path and records, per CallSid, when each path was requested. */
class QueueApp {
  private server!: Server;
  url = '';
  readonly seen = new Map<string, Map<string, number>>();
  private readonly waiters: { path: string; count: number; resolve(): void }[] = [];

  constructor(private readonly answer: (path: string) => string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const at = performance.now();
      const path = (req.url ?? '/').split('?')[0]!;
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const callSid = new URLSearchParams(body).get('CallSid') ?? '';
        let byPath = this.seen.get(path);
        if (!byPath) this.seen.set(path, (byPath = new Map()));
        if (!byPath.has(callSid)) byPath.set(callSid, at);
        for (const w of this.waiters) if (w.path === path && byPath.size >= w.count) w.resolve();
        res.writeHead(200, { 'content-type': 'text/xml' }).end(this.answer(path));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `count` calls requested `path`. */
  until(path: string, count: number): Promise<void> {
    if ((this.seen.get(path)?.size ?? 0) >= count) return Promise.resolve();
    return withTimeout(new Promise<void>((resolve) => this.waiters.push({ path, count, resolve })), WAIT_MS, `${count} requests of ${path}`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function createCalls(sb: ServerChild, count: number, url: string, firstNumber: number): Promise<void> {
  let i = 0;
  await runBatch({
    url: sb.url, connections: CONNECTIONS, total: count, expectStatus: 201,
    request: () => ({
      method: 'POST', path: `/2010-04-01/Accounts/${sb.info.accountSid}/Calls.json`,
      headers: { authorization: sb.authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: `+1555${String(firstNumber + i++).padStart(7, '0')}`, From: '+15550001111', Url: url }).toString(),
    }),
  });
}

/** Per caller, `to` − `from` arrival; and the batch rate from the first `from` to the last `to`. */
function measure(app: QueueApp, from: string, to: string): { latencies: number[]; perSecond: number } {
  const starts = app.seen.get(from)!;
  const ends = app.seen.get(to)!;
  const latencies = [...ends].map(([sid, at]) => at - starts.get(sid)!).filter((v) => Number.isFinite(v));
  const first = Math.min(...starts.values());
  const last = Math.max(...ends.values());
  return { latencies, perSecond: (ends.size / (last - first)) * 1000 };
}

export async function benchQueue(): Promise<void> {
  const app = new QueueApp((path) => {
    if (path === '/agent') return '<Response><Dial timeout="3600"><Queue url="/bridged">bench</Queue></Dial></Response>';
    if (path === '/caller') return '<Response><Enqueue waitUrl="">bench</Enqueue></Response>';
    if (path === '/direct') return '<Response><Redirect>/bridged-direct</Redirect></Response>';
    if (path === '/bridged-direct') return '<Response><Pause length="3600"/></Response>';
    return '<Response/>';
  });
  await app.start();
  const sb = await ServerChild.start('switchboard');
  try {
    await runBatch({
      url: sb.url, connections: 1, total: 1, expectStatus: 201,
      request: () => ({
        method: 'POST', path: `/2010-04-01/Accounts/${sb.info.accountSid}/Queues.json`,
        headers: { authorization: sb.authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ FriendlyName: 'bench', MaxSize: '5000' }).toString(),
      }),
    });
    log(`queue: ${CALLS} agents dial an empty queue, then ${CALLS} callers enqueue`);
    await createCalls(sb, CALLS, `${app.url}/agent`, 1_000_000);
    await app.until('/agent', CALLS);
    // Each agent's <Dial><Queue> looks its queue up before it waits: let them all get there.
    await sleep(500);
    await createCalls(sb, CALLS, `${app.url}/caller`, 2_000_000);
    await app.until('/bridged', CALLS);
    const queued = measure(app, '/caller', '/bridged');

    log(`queue: reference, ${CALLS} calls that <Redirect> once`);
    await createCalls(sb, CALLS, `${app.url}/direct`, 3_000_000);
    await app.until('/bridged-direct', CALLS);
    const direct = measure(app, '/direct', '/bridged-direct');

    rows.push({
      name: `9. queue throughput: callers bridged/s, ${fmt(CALLS)} callers to ${fmt(CALLS)} waiting agents (simulated network); enqueue → bridged p50 / p99`,
      value: `${fmt(queued.perSecond)}/s; ${ms(percentile(queued.latencies, 50))} / ${ms(percentile(queued.latencies, 99))}`,
      reference: `one <Redirect> per call, no queue: ${fmt(direct.perSecond)}/s; ${ms(percentile(direct.latencies, 50))} / ${ms(percentile(direct.latencies, 99))}`,
      ratio: `${fmt((queued.perSecond / direct.perSecond) * 100)}%`,
      target: '',
      pass: null,
    });
    notes.push(`queue: generator in the bench process (POST /Calls on ${CONNECTIONS} connections, a node:http TwiML app timestamping requests); callers arrive as fast as they are created and answered`);
  } finally {
    await sb.stop();
    await app.close();
  }
}
