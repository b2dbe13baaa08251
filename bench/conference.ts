/**
 * Row 9: conference mixing on SIP (issue 8 point 3). The MediaEngine under test (its media
 * worker threads, one per core) mixes rooms of N members; the load generator is the worker RTP
 * generator (bench/rtp-generator.ts: its own worker threads, 50 pps of PCMU per leg), so neither
 * the generator nor the bench's main thread shares an event loop with a mixer. Each step opens
 * the members' streams, seats every room's members on one worker (`near`, as a room of calls
 * placed beside each other is), starts the generator and measures one window:
 * - mix tick jitter: deviation of each room's interval between mixes from 20 ms (MediaStats.mixJitterMs);
 * - CPU per participant: the media workers' busy share (event-loop utilisation, which is their
 *   CPU at this load), summed over workers, divided by the participants;
 * - what the generator received back (every member hears its room: 50 pps each).
 *
 *   BENCH_ONLY=conference npm run bench, or node --import tsx bench/conference.ts
 */
import { availableParallelism } from 'node:os';
import { MediaEngine, type RtpStream } from '../src/sip/rtp/media-engine.js';
import { sleep } from './lib.js';
import { fmt, ms, rows } from './report.js';
import { RtpGenerator } from './rtp-generator.js';

const WARMUP_MS = 1500;
const WINDOW_MS = 4000;
const JITTER_TARGET_MS = 5;
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface Step {
  rooms: number;
  size: number;
  mixP99: number;
  mixMax: number;
  sendP99: number;
  ticks: number;
  cpuPerParticipant: number;
  workersCpu: number;
  skipped: number;
  receivedShare: number;
  generatorCpu: number;
}

async function runStep(rooms: number, size: number): Promise<Step> {
  const participants = rooms * size;
  const base = 20000 + 2 * Math.floor(Math.random() * 1000);
  const engine = await MediaEngine.start({ host: '127.0.0.1', portRange: [base, base + participants * 2 + 400], rtpTimeoutMs: 0 });
  const generator = await RtpGenerator.start(participants);
  try {
    const streams: RtpStream[] = [];
    for (let r = 0; r < rooms; r++) {
      const first = await engine.openStream({ dtmf() {}, rtpTimeout() {}, failed() {} });
      const members = [first];
      for (let i = 1; i < size; i++) members.push(await engine.openStream({ dtmf() {}, rtpTimeout() {}, failed() {} }, { near: first }));
      const room = engine.openRoom(first);
      members.forEach((stream, i) => room.add(i + 1, stream, { muted: false, coach: null }));
      streams.push(...members);
    }
    streams.forEach((stream, leg) =>
      stream.configure({ remoteAddress: '127.0.0.1', remotePort: generator.ports[leg]!, payloadType: 0, send: true, receive: true }),
    );
    await generator.setRemotes(streams.map((stream, leg) => ({ leg, host: '127.0.0.1', port: stream.localPort, payloadType: 0 as const })));
    await generator.start();
    await sleep(WARMUP_MS);
    await engine.stats();
    const [window, stats] = await Promise.all([generator.measure(WINDOW_MS), sleep(WINDOW_MS).then(() => engine.stats())]);
    const workersCpu = stats.workers.reduce((n, w) => n + w.busy, 0);
    return {
      rooms, size,
      mixP99: stats.total.mixJitterMs.p99, mixMax: stats.total.mixJitterMs.max, sendP99: stats.total.sendJitterMs.p99, ticks: stats.total.mixJitterMs.count,
      workersCpu, cpuPerParticipant: workersCpu / participants, skipped: stats.total.framesSkipped,
      receivedShare: window.received / (participants * 50 * window.seconds), generatorCpu: window.cpuPercent,
    };
  } finally {
    await generator.stop();
    await engine.close();
  }
}

function describe(s: Step): string {
  return `mix jitter p99 ${ms(s.mixP99)} (max ${ms(s.mixMax)}, ${fmt(s.ticks)} ticks); media workers CPU ${fmt(s.workersCpu * 100)}% of ${availableParallelism() * 100}% = ${fmt(s.cpuPerParticipant * 100, 2)}% of a core per participant; ${fmt(s.skipped)} frames skipped; ${fmt(s.receivedShare * 100)}% of the mixed packets back at the generator; the bench process (generator, media workers, main thread) used ${fmt(s.generatorCpu)}% CPU`;
}

/**
 * Every step is run (the CPU figures matter beyond the jitter target on a shared box), until the
 * mixers fall behind (frames skipped, or the generator missing the mixed packets).
 */
async function ladder(kind: string, steps: [number, number][]): Promise<Step | undefined> {
  let best: Step | undefined;
  for (const [rooms, size] of steps) {
    log(`${kind}: ${rooms} room(s) of ${size}`);
    const step = await runStep(rooms, size);
    log(describe(step));
    const pass = step.mixP99 <= JITTER_TARGET_MS && step.skipped === 0 && step.receivedShare > 0.95;
    rows.push({
      name: `11. ${kind}: ${fmt(rooms)} room(s) of ${size} (${fmt(rooms * size)} participants; worker RTP generator, 50 pps PCMU per member)`,
      value: describe(step), reference: `the same streams' send jitter p99 (every packet, same window): ${ms(step.sendP99)}`, ratio: '', target: `mix p99 ≤ ${JITTER_TARGET_MS} ms`, pass,
    });
    if (pass) best = step;
    if (step.skipped > 0 || step.receivedShare <= 0.95) break;
  }
  return best;
}

export async function benchConference(): Promise<void> {
  const three = await ladder('3-party SIP conferences', [[20, 3], [50, 3], [100, 3], [125, 3], [150, 3]]);
  // 250 is a room's most participants (conferences.md §2 maxParticipants).
  const single = await ladder('one SIP room', [[1, 25], [1, 100], [1, 250]]);
  rows.push({
    name: '9. most 3-party SIP conferences / largest single room with mix jitter p99 ≤ 5 ms',
    value: `${three ? fmt(three.rooms) : 'none'} conferences (${three ? fmt(three.cpuPerParticipant * 100, 2) : '–'}% of a core per participant); one room of ${single ? fmt(single.size) : 'none'} (${single ? fmt(single.cpuPerParticipant * 100, 2) : '–'}% per participant)`,
    reference: '', ratio: '', target: '', pass: null,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchConference();
  for (const row of rows) console.log(`| ${row.name} | ${row.value} | ${row.target} | ${row.pass === null ? '' : row.pass ? 'pass' : 'fail'} |`);
}
