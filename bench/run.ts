/**
 * `npm run bench`: Switchboard's throughput, latency and memory, each figure beside a reference
 * measured in the same run on the same machine (issue #2, point 10).
 *
 * Every server runs in its own child process (bench/server-child.ts), so the load generator in
 * this process does not share its event loop; each Switchboard measurement gets a fresh server
 * and data dir (in os.tmpdir(), removed afterwards). Progress goes to stderr; stdout is the
 * machine line, one markdown table and its notes. Exit code: 0 all targets met, 1 a target
 * missed, 2 the run failed.
 *
 *   BENCH_ONLY=fetch,create,redirect,memory,sip-rate,sip-concurrency,bridge-relay,dial-setup,queue,console,conference,transcribe-wer   run a subset
 *   (the SIP rows, bench/sip.ts, need sipp; without it they are skipped with a note; bridge-relay,
 *   bench/bridge.ts, installs rtpengine with scripts/install-bench-peers.sh when it is missing; console,
 *   bench/console.ts, needs /usr/bin/chromium and is skipped with a note without it)
 *   BENCH_CPU_PROF=/some/dir                  write a .cpuprofile per Switchboard child
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { ArrivalApp, killAllChildren, percentile, runBatch, runLoad, ServerChild, sleep, withTimeout, type LoadResult } from './lib.js';
import { fmt, kb, measureBackgroundCpu, ms, notes, printTable, rows } from './report.js';
import type { MemoryReading } from './server-child.js';
import { benchSipConcurrency, benchSipRate } from './sip.js';
import { sippInstalled } from './sip-support.js';
import { benchBridgeRelay } from './bridge.js';
import { benchDialSetup } from './dial-setup.js';
import { benchTranscribe } from './transcribe.js';
import { runWrk, wrkVersion, type WrkResult } from './wrk.js';
import { log, progress } from './progress.js';
import { benchQueue } from './queue.js';
import { benchConsole } from './console.js';
import { benchConference } from './conference.js';

const WARMUP_MS = 1000;
const FETCH_ROUNDS = 5;
const FETCH_SLICE_MS = 1000;
const CREATE_MS = 3000;
const FETCH_CONNECTIONS = 64;
const CREATE_CONNECTIONS = 32;
const REDIRECT_LIVE_CALLS = 1000;
const REDIRECT_SAMPLES = 500;
const MEMORY_CALLS = 10_000;
/** The simulated phone answers one ring (1 s at time scale 1) after the dial. */
const ANSWER_WAIT_MS = 1500;
/** Whole run; a hung step fails the run instead of hanging it. */
const RUN_TIMEOUT_MS = 720_000;

const PAUSE = '<Response><Pause length="3600"/></Response>';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';
const createBody = (i: number) =>
  form({ To: `+1555${String(i % 10_000_000).padStart(7, '0')}`, From: '+15550001111', Twiml: PAUSE });

function describeErrors(what: string, result: LoadResult): void {
  const odd = Object.entries(result.unexpected);
  if (odd.length > 0) notes.push(`${what}: unexpected responses ${odd.map(([k, v]) => `${k}×${v}`).join(', ')}`);
}

function callsPath(child: ServerChild, suffix = ''): string {
  return `/2010-04-01/Accounts/${child.info.accountSid}/Calls${suffix}`;
}

async function createCall(sb: ServerChild, twiml = PAUSE): Promise<{ sid: string; body: string }> {
  const [body] = await runBatch({
    url: sb.url, connections: 1, total: 1, expectStatus: 201,
    request: () => ({
      method: 'POST', path: callsPath(sb, '.json'), headers: { authorization: sb.authorization, 'content-type': FORM },
      body: form({ To: '+15551230000', From: '+15550001111', Twiml: twiml }),
    }),
  });
  return { sid: (JSON.parse(body!) as { sid: string }).sid, body: body! };
}

async function get(child: ServerChild, path: string): Promise<string> {
  const [body] = await runBatch({
    url: child.url, connections: 1, total: 1, expectStatus: 200,
    request: () => ({ method: 'GET', path, headers: { authorization: child.authorization } }),
  });
  return body!;
}

/** 1. GET one call, many connections: a live call (registry) and a completed one (SQLite). */
async function benchFetch(bare: ServerChild): Promise<void> {
  const sb = await ServerChild.start('switchboard');
  try {
    const live = await createCall(sb);
    const done = await createCall(sb, '<Response><Hangup/></Response>');
    await sleep(ANSWER_WAIT_MS); // the second call answers, runs <Hangup/> and completes
    const liveBody = await get(sb, callsPath(sb, `/${live.sid}.json`));
    const doneBody = await get(sb, callsPath(sb, `/${done.sid}.json`));
    if (JSON.parse(doneBody).status !== 'completed') throw new Error(`expected a completed call, got ${doneBody}`);
    await bare.rpc('bodies', { fetch: liveBody, create: live.body, update: liveBody });

    const wrk = wrkVersion(log);
    if (!wrk) {
      notes.push('fetch-call: skipped, wrk is not installed (scripts/install-bench-peers.sh)');
      return;
    }
    // Background load on the machine changes over seconds, so the three targets take turns in
    // short slices and each figure is the sum over its slices. wrk runs one thread, leaving the
    // other core to the server under test (each server is its own process).
    const targets = [
      { name: 'bare', child: bare, sid: live.sid },
      { name: 'live', child: sb, sid: live.sid },
      { name: 'completed', child: sb, sid: done.sid },
    ].map((t) => ({ ...t, runs: [] as WrkResult[] }));
    const slice = (t: (typeof targets)[number], seconds: number) =>
      runWrk({ url: t.child.url + callsPath(sb, `/${t.sid}.json`), headers: { Authorization: sb.authorization }, connections: FETCH_CONNECTIONS, threads: 1, durationSec: seconds });
    log('fetch-call: warm-up');
    for (const t of targets) await slice(t, WARMUP_MS / 1000);
    for (let round = 1; round <= FETCH_ROUNDS; round++) {
      log(`fetch-call: round ${round}/${FETCH_ROUNDS} (bare, live, completed)`);
      for (const t of targets) t.runs.push(await slice(t, FETCH_SLICE_MS / 1000));
    }
    const total = (runs: WrkResult[]) => ({
      rate: runs.reduce((sum, r) => sum + r.rate, 0) / runs.length,
      p99: Math.max(...runs.map((r) => r.p99)),
      bad: runs.reduce((sum, r) => sum + r.non2xx + r.socketErrors, 0),
    });
    const [ref, liveResult, doneResult] = targets.map((t) => total(t.runs));
    const roundRatios = (i: number) => targets[i]!.runs.map((r, round) => r.rate / targets[0]!.runs[round]!.rate);
    const spread = (i: number) => `${fmt(Math.min(...roundRatios(i)) * 100)}–${fmt(Math.max(...roundRatios(i)) * 100)}%`;
    for (const [name, result] of [['bare', ref], ['live', liveResult], ['completed', doneResult]] as const) {
      if (result!.bad > 0) notes.push(`fetch ${name}: ${result!.bad} non-2xx responses or socket errors`);
    }
    for (const [what, result, index] of [['live call (registry)', liveResult!, 1], ['completed call (SQLite)', doneResult!, 2]] as const) {
      const ratio = result.rate / ref!.rate;
      rows.push({
        name: `1. fetch-call req/s, ${what}`,
        value: `${fmt(result.rate)}/s (p99 ${ms(result.p99)})`,
        reference: `bare node:http: ${fmt(ref!.rate)}/s (p99 ${ms(ref!.p99)})`,
        ratio: `${fmt(ratio * 100)}% (rounds ${spread(index)})`,
        target: '≥ 60% of bare',
        pass: ratio >= 0.6,
      });
    }
    notes.push(`fetch-call: generator wrk ${wrk} (its own process, 1 thread), ${FETCH_CONNECTIONS} keep-alive connections, ${FETCH_ROUNDS} rounds of ${FETCH_SLICE_MS / 1000} s per target, taking turns, after ${WARMUP_MS / 1000} s warm-up each; each server in its own process; body ${Buffer.byteLength(liveBody)} B (same bytes from both servers)`);
  } finally {
    await sb.stop();
  }
}

/** 2. POST Calls.json as fast as possible, on a fresh server. */
async function benchCreate(bare: ServerChild): Promise<void> {
  const sb = await ServerChild.start('switchboard');
  try {
    const load = (child: ServerChild) =>
      runLoad({
        url: child.url, connections: CREATE_CONNECTIONS, warmupMs: WARMUP_MS, durationMs: CREATE_MS, expectStatus: 201,
        request: (i) => ({
          method: 'POST', path: `/2010-04-01/Accounts/${sb.info.accountSid}/Calls.json`,
          headers: { authorization: sb.authorization, 'content-type': FORM }, body: createBody(i),
        }),
      });
    log('create-call: bare node:http');
    const ref = await load(bare);
    log('create-call: Switchboard');
    const result = await load(sb);
    describeErrors('create bare', ref);
    describeErrors('create Switchboard', result);
    rows.push({
      name: '2. create-call calls/s',
      value: `${fmt(result.rate)}/s (p99 ${ms(result.p99)})`,
      reference: `bare node:http (form parse, 201 JSON): ${fmt(ref.rate)}/s (p99 ${ms(ref.p99)})`,
      ratio: `${fmt((result.rate / ref.rate) * 100)}%`,
      target: '≥ 1,000/s',
      pass: result.rate >= 1000,
    });
    const health = JSON.parse(await get(sb, '/health')) as { liveCalls: number };
    notes.push(`create-call: ${CREATE_CONNECTIONS} connections, ${CREATE_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up (calls are answered 1 s after creation, so answers run during the window); ${fmt(health.liveCalls)} live calls at the end`);
  } finally {
    log('create-call: stopping the server (hangs up every call)');
    await sb.stop();
  }
}

/** 3. Update → new TwiML request latency with 1,000 live calls, one update at a time. */
async function benchRedirect(bare: ServerChild): Promise<void> {
  const app = new ArrivalApp(PAUSE);
  await app.start();
  const sb = await ServerChild.start('switchboard');
  try {
    log(`redirect: creating ${REDIRECT_LIVE_CALLS} live calls`);
    const bodies = await runBatch({
      url: sb.url, connections: CREATE_CONNECTIONS, total: REDIRECT_LIVE_CALLS, expectStatus: 201,
      request: (i) => ({ method: 'POST', path: callsPath(sb, '.json'), headers: { authorization: sb.authorization, 'content-type': FORM }, body: createBody(i) }),
    });
    const sids = bodies.map((b) => (JSON.parse(b) as { sid: string }).sid);
    await sleep(ANSWER_WAIT_MS);
    // Every other call, so the samples spread over the registry.
    const sampled = sids.filter((_, i) => i % Math.floor(REDIRECT_LIVE_CALLS / REDIRECT_SAMPLES) === 0).slice(0, REDIRECT_SAMPLES);
    const update = (i: number) => form({ Url: `${app.url}/next?i=${String(i).padStart(6, '0')}`, Method: 'POST' });
    const headers = { authorization: sb.authorization, 'content-type': FORM };

    log(`redirect: ${sampled.length} updates, one at a time`);
    const afterResponse: number[] = [];
    const afterSend: number[] = [];
    let notLive = 0;
    const pool = new Pool(sb.url, { connections: 1, pipelining: 1 });
    try {
      for (let i = 0; i < sampled.length; i++) {
        const arrived = app.arrival(i, 5000);
        const t0 = performance.now();
        const res = await pool.request({ method: 'POST', path: callsPath(sb, `/${sampled[i]}.json`), headers, body: update(i) });
        const text = await res.body.text();
        const t1 = performance.now();
        if (res.statusCode !== 200) throw new Error(`update: HTTP ${res.statusCode} ${text}`);
        if ((JSON.parse(text) as { status: string }).status !== 'in-progress') {
          notLive++;
          arrived.catch(() => {});
          continue;
        }
        const at = await arrived;
        afterResponse.push(at - t1);
        afterSend.push(at - t0);
      }
    } finally {
      await pool.close();
    }

    log('redirect: bare node:http POST round trips');
    const roundTrips: number[] = [];
    const barePool = new Pool(bare.url, { connections: 1, pipelining: 1 });
    try {
      for (let i = 0; i < sampled.length; i++) {
        const t0 = performance.now();
        const res = await barePool.request({ method: 'POST', path: callsPath(sb, `/${sampled[i]}.json`), headers, body: update(i) });
        await res.body.text();
        roundTrips.push(performance.now() - t0);
      }
    } finally {
      await barePool.close();
    }

    const health = JSON.parse(await get(sb, '/health')) as { liveCalls: number };
    for (const p of [50, 99]) {
      const value = percentile(afterResponse, p);
      rows.push({
        name: `3. redirect latency p${p} (update response → webhook at app)`,
        value: `${ms(value)} (from update sent: ${ms(percentile(afterSend, p))})`,
        reference: `bare node:http POST round trip p${p}: ${ms(percentile(roundTrips, p))}`,
        ratio: '',
        target: p === 99 ? '≤ 5 ms' : '',
        pass: p === 99 ? value <= 5 : null,
      });
    }
    const before = afterResponse.filter((v) => v < 0).length;
    notes.push(
      `redirect: ${afterResponse.length} samples over ${fmt(health.liveCalls)} live calls (${notLive} skipped, not yet answered); ` +
        `${before} webhooks arrived before the update response did (negative latency)`,
    );
  } finally {
    await sb.stop();
    await app.close();
  }
}

/** 4. Memory per live call at 10,000 live calls, in a fresh server. */
async function benchMemory(): Promise<void> {
  const sb = await ServerChild.start('switchboard');
  try {
    const headers = { authorization: sb.authorization, 'content-type': FORM };
    // Warm-up: JIT, pools and statement caches are allocated before the baseline.
    const warm = await runBatch({
      url: sb.url, connections: CREATE_CONNECTIONS, total: 200, expectStatus: 201,
      request: (i) => ({ method: 'POST', path: callsPath(sb, '.json'), headers, body: createBody(i) }),
    });
    await sleep(ANSWER_WAIT_MS);
    await runBatch({
      url: sb.url, connections: CREATE_CONNECTIONS, total: warm.length, expectStatus: 200,
      request: (i) => ({ method: 'POST', path: callsPath(sb, `/${(JSON.parse(warm[i]!) as { sid: string }).sid}.json`), headers, body: 'Status=completed' }),
    });
    await sleep(200);
    const base = await sb.rpc<MemoryReading>('memory');
    if (base.liveCalls !== 0) throw new Error(`expected no live calls at the baseline, found ${base.liveCalls}`);

    log(`memory: creating ${fmt(MEMORY_CALLS)} live calls`);
    const t0 = performance.now();
    const bodies = await runBatch({
      url: sb.url, connections: CREATE_CONNECTIONS, total: MEMORY_CALLS, expectStatus: 201,
      request: (i) => ({ method: 'POST', path: callsPath(sb, '.json'), headers, body: createBody(i) }),
    });
    const createSeconds = (performance.now() - t0) / 1000;
    await sleep(ANSWER_WAIT_MS); // all answered and inside their Pause
    const full = await sb.rpc<MemoryReading>('memory');
    if (full.liveCalls !== MEMORY_CALLS) throw new Error(`expected ${MEMORY_CALLS} live calls, found ${full.liveCalls}`);
    const sample = (JSON.parse(bodies[0]!) as { sid: string }).sid;
    const status = (JSON.parse(await get(sb, callsPath(sb, `/${sample}.json`))) as { status: string }).status;
    const { bytesPerRecord } = await sb.rpc<{ bytesPerRecord: number }>('recordReference', { sid: sample, count: MEMORY_CALLS });

    const heapPerCall = (full.heapUsed + full.external - base.heapUsed - base.external) / MEMORY_CALLS;
    const rssPerCall = (full.rss - base.rss) / MEMORY_CALLS;
    rows.push({
      name: `4. memory per live call, heap + external (${fmt(MEMORY_CALLS)} calls)`,
      value: kb(heapPerCall),
      reference: `plain JS object holding the same call record: ${kb(bytesPerRecord)}`,
      ratio: `${fmt(heapPerCall / bytesPerRecord, 1)}×`,
      target: '≤ 32 KB',
      pass: heapPerCall <= 32 * 1024,
    });
    rows.push({
      name: `4. memory per live call, RSS (${fmt(MEMORY_CALLS)} calls)`,
      value: kb(rssPerCall),
      reference: `empty server RSS (after warm-up): ${fmt(base.rss / 1024 / 1024, 1)} MB`,
      ratio: '',
      target: '',
      pass: null,
    });
    notes.push(
      `memory: ${fmt(MEMORY_CALLS)} calls created in ${fmt(createSeconds, 1)} s (${fmt(MEMORY_CALLS / createSeconds)}/s with ${CREATE_CONNECTIONS} connections), ` +
        `sampled call status '${status}'; heap ${fmt(base.heapUsed / 1048576, 1)} → ${fmt(full.heapUsed / 1048576, 1)} MB, ` +
        `external ${fmt(base.external / 1048576, 1)} → ${fmt(full.external / 1048576, 1)} MB, RSS ${fmt(base.rss / 1048576, 1)} → ${fmt(full.rss / 1048576, 1)} MB (after gc)`,
    );
  } finally {
    log('memory: stopping the server (hangs up every call)');
    await sb.stop();
  }
}

/** `BENCH_ONLY=create,redirect` runs a subset (e.g. with BENCH_CPU_PROF to profile one scenario). */
const only = new Set((process.env.BENCH_ONLY ?? 'fetch,create,redirect,memory,sip-rate,sip-concurrency,bridge-relay,dial-setup,queue,console,conference,transcribe-wer').split(',').map((s) => s.trim()));

async function main(): Promise<void> {
  await measureBackgroundCpu(1000);
  const started = performance.now();
  const bare = await ServerChild.start('bare');
  try {
    if (only.has('fetch')) await benchFetch(bare);
    if (only.has('create')) await benchCreate(bare);
    if (only.has('redirect')) await benchRedirect(bare);
  } finally {
    await bare.stop();
  }
  if (only.has('memory')) await benchMemory();
  if (only.has('sip-rate') || only.has('sip-concurrency')) {
    if (!sippInstalled()) notes.push('sip-rate, sip-concurrency: skipped, sipp is not installed (Debian sip-tester; scripts/install-test-peers.sh)');
    else {
      if (only.has('sip-rate')) await benchSipRate();
      if (only.has('sip-concurrency')) await benchSipConcurrency();
    }
  }
  if (only.has('bridge-relay')) await benchBridgeRelay();
  if (only.has('dial-setup')) await benchDialSetup();
  if (only.has('queue')) await benchQueue();
  if (only.has('console')) await benchConsole();
  if (only.has('conference')) await benchConference();
  if (only.has('transcribe-wer')) await benchTranscribe();
  notes.push(`total run time ${fmt((performance.now() - started) / 1000, 1)} s`);
  progress.done();
  printTable();
}

withTimeout(main(), RUN_TIMEOUT_MS, 'benchmark run').then(
  () => process.exit(rows.every((r) => r.pass !== false) ? 0 : 1),
  (err) => {
    progress.done();
    console.error('[bench] failed:', err);
    if (rows.length > 0) printTable();
    killAllChildren();
    process.exit(2);
  },
);
