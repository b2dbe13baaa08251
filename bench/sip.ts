/**
 * The SIP/RTP edge under load (issue "Real phones: the SIP/RTP edge", "How it is checked"):
 *
 *   5. inbound calls answered per second, sipp as UAC at stepped fixed rates, 0 failed;
 *      reference: sipp UAC against sipp's own UAS at the same rates (the load generator's ceiling)
 *   6. concurrent G.711 calls (50 pps each way) with p99 send jitter ≤ 5 ms, sipp streaming a
 *      PCMU pcap into every call while Switchboard plays a looped WAV back; reference: the same
 *      number of streams on the media engine alone (bench/media-load.ts), no SIP and no server
 *
 * sipp, the TwiML app and the server share this machine's cores: the figures are what one box
 * does with its own load generator on it.
 *
 *   BENCH_SIP_RATES=100,200,300   rates for 5 (calls/s)
 *   BENCH_SIP_STEPS=100,300       concurrency steps for 6
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildRtpPcap } from '../test/peers/pcap.js';
import { freeUdpPort, freeUdpRange } from '../test/peers/ports.js';
import { runSipp, sippFixture, startSipp, type SippResult } from '../test/peers/sipp.js';
import type { MediaStats } from '../src/sip/rtp/media-engine.js';
import { waitForNoLiveCalls } from './dial-app.js';
import { runBatch, ServerChild, sleep } from './lib.js';
import { fmt, notes, rows } from './report.js';
import { benchSpeech, machineBusy, runMediaProbe, TwimlApp, wav8k, type ProbeResult } from './sip-support.js';
import { log } from './progress.js';

const NUMBER = '+15005550100';
const steps = (env: string | undefined, fallback: number[]) => (env ? env.split(',').map(Number).filter((n) => n > 0) : fallback);

const RATES = steps(process.env.BENCH_SIP_RATES, [100, 200, 300, 400, 500, 700, 1000]);
const RATE_STEP_S = 3;
/** sipp hangs up after this long, while the prompt still plays, so the BYE always comes from sipp. */
const RATE_CALL_MS = 500;
const RATE_TARGET = 300;

const CONCURRENCY = steps(process.env.BENCH_SIP_STEPS, [100, 300, 500, 1000]);
/** Calls per second while ramping up to a concurrency step. */
const RAMP_RATE = 150;
const SETTLE_MS = 1500;
const STALL_MS = 3000;
const WINDOW_MS = 4000;
const JITTER_TARGET_MS = 5;
const CONCURRENCY_TARGET = 1000;

async function startSipServer(rtpPorts: number): Promise<ServerChild> {
  const range = await freeUdpRange(rtpPorts);
  return ServerChild.start('switchboard', { sip: { port: await freeUdpPort(), host: '127.0.0.1', rtpPorts: [range.first, range.last], rtpTimeoutMs: 0 } });
}

async function provision(sb: ServerChild, voiceUrl: string): Promise<void> {
  await runBatch({
    url: sb.url, connections: 1, total: 1, expectStatus: 201,
    request: () => ({
      method: 'POST', path: `/2010-04-01/Accounts/${sb.info.accountSid}/IncomingPhoneNumbers.json`,
      headers: { authorization: sb.authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ PhoneNumber: NUMBER, VoiceUrl: voiceUrl }).toString(),
    }),
  });
}

const target = (sb: ServerChild) => `${sb.info.sip!.host}:${sb.info.sip!.port}`;

interface RateStep {
  rate: number;
  successful: number;
  failed: number;
  retransmissions: number;
  /** Successful calls over the time sipp took to place them (its run less one call length). */
  achieved: number;
  holds: boolean;
}

/** sipp's own run time (its stats CSV's StartTime to the final row's CurrentTime), without process start-up. */
function sippElapsedSeconds(cwd: string): number | undefined {
  const lines = existsSync(join(cwd, 'stats.csv')) ? readFileSync(join(cwd, 'stats.csv'), 'latin1').split('\n').filter((l) => l.trim()) : [];
  if (lines.length < 2) return undefined;
  const header = lines[0]!.split(';');
  const row = lines[lines.length - 1]!.split(';');
  const epoch = (column: string) => Number(row[header.indexOf(column)]?.trim().split(/\s+/).at(-1));
  const elapsed = epoch('CurrentTime') - epoch('StartTime');
  return Number.isFinite(elapsed) ? elapsed : undefined;
}

async function rateStep(rate: number, to: string, service: string | undefined): Promise<RateStep> {
  const calls = rate * RATE_STEP_S;
  const cwd = mkdtempSync(join(tmpdir(), 'bench-sipp-'));
  const t0 = performance.now();
  let result: SippResult;
  let elapsedS: number;
  try {
    result = await runSipp({ scenario: 'uac', target: to, service, rate, calls, durationMs: RATE_CALL_MS, timeoutMs: RATE_STEP_S * 1000 + 30_000, cwd });
    elapsedS = sippElapsedSeconds(cwd) ?? (performance.now() - t0) / 1000;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  // The last call was placed one call length before sipp finished.
  const placingS = Math.max((calls - 1) / rate, elapsedS - RATE_CALL_MS / 1000);
  const stats = result.stats;
  const successful = stats?.successful ?? 0;
  const failed = stats ? stats.failed + (stats.created - stats.successful - stats.failed) : calls;
  return {
    rate, successful, failed, retransmissions: stats?.retransmissions ?? 0,
    // A step holds when every call succeeds and sipp placed them at ≥ 95% of the asked rate (retransmissions slow it).
    achieved: successful / placingS, holds: result.code === 0 && failed === 0 && successful === calls && successful / placingS >= rate * 0.95,
  };
}

/** Steps the rate up; stops after the first step that does not hold. */
async function stepRates(label: string, run: (rate: number) => Promise<RateStep>): Promise<RateStep[]> {
  const done: RateStep[] = [];
  for (const rate of RATES) {
    log(`sip-rate: ${label} at ${rate} calls/s`);
    const step = await run(rate);
    done.push(step);
    if (!step.holds) break;
  }
  return done;
}

const best = (s: RateStep[]) => s.filter((x) => x.holds).at(-1);
const describeSteps = (s: RateStep[]) =>
  s.map((x) => `${x.rate}/s → ${fmt(x.successful)} ok, ${fmt(x.failed)} failed, ${fmt(x.retransmissions)} retrans`).join('; ');

/** 5. Inbound calls answered per second. */
export async function benchSipRate(): Promise<void> {
  const speech = await benchSpeech();
  const app = new TwimlApp(wav8k(speech.pcm));
  await app.start();
  // Not a leading <Pause>: Twilio (and Switchboard) answer only after it. sipp hangs up mid-prompt.
  app.twiml = `<Response><Play loop="0">${app.url}/prompt.wav</Play></Response>`;
  const sb = await startSipServer(4000);
  let ours: RateStep[];
  try {
    await provision(sb, `${app.url}/voice`);
    ours = await stepRates('Switchboard', async (rate) => {
      const step = await rateStep(rate, target(sb), NUMBER.slice(1));
      const left = await waitForNoLiveCalls(sb, 15_000);
      if (left > 0) notes.push(`sip-rate: ${left} calls still live 15 s after the ${rate}/s step`);
      return step;
    });
  } finally {
    await sb.stop();
    await app.close();
  }
  const reference = await stepRates('sipp UAS reference', async (rate) => {
    const uas = await startSipp({ scenario: 'uas', calls: rate * RATE_STEP_S, timeoutMs: RATE_STEP_S * 1000 + 40_000 });
    try {
      return await rateStep(rate, `127.0.0.1:${uas.port}`, undefined);
    } finally {
      uas.kill();
      await uas.done;
    }
  });
  const ourBest = best(ours);
  const refBest = best(reference);
  const top = RATES[RATES.length - 1]!;
  const held = (s: RateStep | undefined) => (s ? `${fmt(s.rate)}/s (measured ${fmt(s.achieved)}/s, ${fmt(s.retransmissions)} retransmissions)` : `none (below ${RATES[0]}/s)`);
  rows.push({
    name: '5. SIP inbound calls/s answered, 0 failed (sipp UAC, built-in uac scenario)',
    value: held(ourBest) + (ourBest?.rate === top ? ', highest step tried' : ''),
    reference: `sipp UAC → sipp UAS: ${held(refBest)}${refBest?.rate === top ? ', highest step tried' : ''}`,
    ratio: ourBest && refBest ? `${fmt((ourBest.rate / refBest.rate) * 100)}%` : '',
    target: `≥ ${RATE_TARGET}/s`,
    pass: (ourBest?.rate ?? 0) >= RATE_TARGET,
  });
  notes.push(
    `sip-rate: each step places ${RATE_STEP_S} s of calls (-r, -m) that sipp hangs up after ${RATE_CALL_MS} ms; the number's app answers <Play loop="0"> of a WAV ` +
      `(one webhook, one RTP stream sending audio per call). Switchboard: ${describeSteps(ours)}. Reference: ${describeSteps(reference)}. Voice webhooks served: ${fmt(app.voiceRequests)}`,
  );
}

interface ConcurrencyStep {
  calls: number;
  reached: number;
  stats: MediaStats['total'];
  cpuPercent: number;
  machinePercent: number;
  sipp: SippResult;
  holds: boolean;
}

async function concurrencyStep(sb: ServerChild, calls: number, pcap: Buffer, pcapMs: number): Promise<ConcurrencyStep> {
  const rampMs = (calls / RAMP_RATE) * 1000;
  const sipp = await startSipp({
    scenario: sippFixture('uac-load'), target: target(sb), service: NUMBER.slice(1), rate: RAMP_RATE, limit: calls, calls,
    durationMs: pcapMs, files: { 'pcap/load.pcap': pcap }, timeoutMs: rampMs + pcapMs + 30_000,
  });
  // Wait for every call, or until the ramp stalls (no new call for STALL_MS): then measure what is up.
  const deadline = performance.now() + rampMs * 2;
  let reached = 0;
  let grewAt = performance.now();
  while (performance.now() < deadline && performance.now() - grewAt < STALL_MS) {
    const live = await sb.rpc<number>('liveCalls');
    if (live > reached) [reached, grewAt] = [live, performance.now()];
    if (reached >= calls) break;
    await sleep(250);
  }
  await sleep(SETTLE_MS);
  await sb.rpc<MediaStats>('mediaStats'); // the window starts now
  const cpu0 = await sb.rpc<NodeJS.CpuUsage>('cpuUsage');
  const busy = machineBusy();
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const stats = (await sb.rpc<MediaStats>('mediaStats')).total;
  const cpu1 = await sb.rpc<NodeJS.CpuUsage>('cpuUsage');
  const machinePercent = busy() * 100;
  const cpuPercent = ((cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1000 / (performance.now() - t0)) * 100;
  reached = Math.max(reached, stats.streams);
  const result = await sipp.done;
  const failed = result.stats?.failed ?? calls;
  const holds = reached >= calls && failed === 0 && result.code === 0 && stats.sendJitterMs.p99 <= JITTER_TARGET_MS && stats.txPps >= calls * 50 * 0.98;
  return { calls, reached, stats, cpuPercent, machinePercent, sipp: result, holds };
}

const jitter = (p50: number, p99: number, max: number) => `${fmt(p50, 1)} / ${fmt(p99, 1)} / ${fmt(max, 1)} ms`;

/** 6. Concurrent G.711 calls with p99 send jitter ≤ 5 ms. */
export async function benchSipConcurrency(): Promise<void> {
  const speech = await benchSpeech();
  const app = new TwimlApp(wav8k(speech.pcm));
  await app.start();
  app.twiml = `<Response><Play loop="0">${app.url}/prompt.wav</Play></Response>`;
  const workers = availableParallelism();
  const largest = Math.max(...CONCURRENCY);
  const sb = await startSipServer(largest * 2 + 400);
  const done: { step: ConcurrencyStep; probe?: ProbeResult }[] = [];
  try {
    await provision(sb, `${app.url}/voice`);
    for (const calls of CONCURRENCY) {
      // Long enough for a ramp at half the asked rate: the window must end before the first calls do.
      const pcapMs = (calls / RAMP_RATE) * 2000 + STALL_MS + SETTLE_MS + WINDOW_MS + 2000;
      // One speech clip repeated to cover the call: 20 ms PCMU frames, 50 pps.
      const pcm = new Int16Array(Math.ceil((pcapMs / 1000) * 8000));
      for (let i = 0; i < pcm.length; i += speech.pcm.length) pcm.set(speech.pcm.subarray(0, pcm.length - i), i);
      log(`sip-concurrency: ${calls} calls (sipp uac-load at ${RAMP_RATE}/s, ${fmt(pcapMs / 1000, 1)} s each)`);
      const step = await concurrencyStep(sb, calls, buildRtpPcap(pcm), pcapMs);
      const left = await waitForNoLiveCalls(sb, 30_000);
      if (left > 0) notes.push(`sip-concurrency: ${left} calls still live 30 s after the ${calls}-call step`);
      log(`sip-concurrency: RTP-only reference, ${calls} streams`);
      const probe = await runMediaProbe(calls, workers, WINDOW_MS / 1000, 40_000).catch((err: Error) => {
        notes.push(`sip-concurrency: the media-load reference at ${calls} streams failed: ${err.message.split('\n')[0]}`);
        return undefined;
      });
      done.push({ step, probe });
      // A step that could not even hold its calls up says all there is to say about larger ones.
      if (step.reached < calls || (step.sipp.stats?.failed ?? 1) > 0) break;
    }
  } finally {
    await sb.stop();
    await app.close();
  }
  for (const { step, probe } of done) {
    const s = step.stats;
    rows.push({
      name: `6. ${fmt(step.calls)} concurrent G.711 calls: send jitter p50 / p99 / max`,
      value:
        `${jitter(s.sendJitterMs.p50, s.sendJitterMs.p99, s.sendJitterMs.max)}; calls up ${fmt(step.reached)}, streams in window ${fmt(s.streams)}, tx ${fmt(s.txPps)} pps of ${fmt(step.calls * 50)}, rx ${fmt(s.rxPps)}, ` +
        `${fmt(s.framesSkipped)} skipped; Node CPU ${fmt(step.cpuPercent)}%, sipp and the rest ${fmt(Math.max(0, step.machinePercent * availableParallelism() - step.cpuPercent))}% (box ${fmt(step.machinePercent * availableParallelism())}% of ${availableParallelism() * 100}%); sipp ${fmt(step.sipp.stats?.failed ?? NaN)} failed`,
      reference: probe
        ? `RTP only, ${fmt(probe.streams)} streams: p99 ${fmt(probe.p99, 1)} / max ${fmt(probe.max, 1)} ms, tx ≥ ${fmt(probe.txPpsMin)} pps, ${fmt(probe.skipped)} skipped, CPU ${fmt((probe.cpuSeconds / probe.seconds) * 100)}% (engine + echo receivers)`
        : 'probe failed',
      ratio: '',
      target: `p99 ≤ ${JITTER_TARGET_MS} ms`,
      pass: step.holds,
    });
  }
  const passing = done.filter((d) => d.step.holds).at(-1);
  const probePassing = done.filter((d) => d.probe && d.probe.p99 <= JITTER_TARGET_MS && d.probe.skipped === 0).at(-1);
  rows.push({
    name: `6. largest concurrent G.711 calls with p99 send jitter ≤ ${JITTER_TARGET_MS} ms (steps ${CONCURRENCY.join(', ')})`,
    value: passing ? fmt(passing.step.calls) : `none (below ${CONCURRENCY[0]})`,
    reference: `RTP only: ${probePassing ? fmt(probePassing.step.calls) : 'none'} of the steps run`,
    ratio: '',
    target: `≥ ${fmt(CONCURRENCY_TARGET)}`,
    pass: (passing?.step.calls ?? 0) >= CONCURRENCY_TARGET,
  });
  notes.push(
    `sip-concurrency: sipp test/fixtures/sipp/uac-load.xml ramps at ${RAMP_RATE} calls/s and streams a 20 ms PCMU pcap of ${speech.source} into each call; ` +
      `the number's app answers <Play loop="0"> of a ${fmt(speech.pcm.length / 8000, 1)} s WAV, so Switchboard encodes and sends audio on every call. ` +
      `Figures over a ${WINDOW_MS / 1000} s window once every call is up (or the ramp stalled for ${STALL_MS / 1000} s: "calls up" is the most seen live), from MediaEngine.stats() (${workers} media workers, one per core); ` +
      `Node CPU is process.cpuUsage of the server child (main thread and media workers; 100% = one core); "sipp and the rest" is every other busy core-share on the box in the same window (sipp, the TwiML app, this bench, anything else running). Every step runs unless one could not keep its calls up. ` +
      `Reference: bench/media-load.ts with as many streams on the engine alone (each plays a prompt, a receiver socket echoes it back), ${WINDOW_MS / 1000} s in 2 s windows, worst window`,
  );
}
