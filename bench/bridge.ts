/**
 * 7. Bridged SIP ↔ SIP calls (issue 7, "How it is checked"): N calls come in to a number whose
 * app answers `<Dial><Sip>`, the callee answers, and RTP flows both ways through Switchboard's
 * relay; beside it, in the same run, rtpengine (userspace) relays the same streams, and the
 * generator sends the same streams straight to itself (no relay: the floor the generator and
 * the machine put under every jitter figure).
 *
 * Signalling: bench/sip-peer.ts, one UA in this process placing the calls and answering the
 * children. Media: bench/rtp-generator.ts worker threads, 50 pps PCMU each way per call.
 *
 *   BENCH_BRIDGE_STEPS=50,100,200,300   concurrency steps
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, notes, rows } from './report.js';
import { JITTER_TARGET_MS, measureRelay, SETTLE_MS, WINDOW_MS, type RelayStep, type RelayUnderTest } from './relay-step.js';
import { pcmuSdp, Rtpengine, rtpengineRelay, rtpengineVersion, sdpPort } from './rtpengine.js';
import type { Remote } from './rtp-generator.js';
import { SipPeer } from './sip-peer.js';
import { DialApp, explainCall, NUMBER, provisionNumber, sipTarget, startSipSwitchboard, waitForNoLiveCalls } from './dial-app.js';
import { sleep, type ServerChild } from './lib.js';
import { log } from './progress.js';

const STEPS = (process.env.BENCH_BRIDGE_STEPS ?? '50,100,200,300').split(',').map(Number).filter((n) => n > 0);
const COST_TARGET = 1.5;
/** Calls set up at once while ramping to a step. */
const SETUP_CONCURRENCY = 20;
const CALL_SETUP_TIMEOUT_MS = 8_000;
/** Above this, the generator's own send lateness (p99) is too large to blame the relay for the jitter. */
const GENERATOR_LATE_MS = 2;

/** Legs sending straight to each other: what the generator and the machine do with no relay at all. */
const direct: RelayUnderTest = {
  setup: async (generator, calls) =>
    Array.from({ length: calls * 2 }, (_, leg) => ({ leg, host: '127.0.0.1', port: generator.ports[leg ^ 1]!, payloadType: 0 as const })),
  cpuMs: async () => 0,
  teardown: async () => {},
};

/** Switchboard as the relay: each call pair is a SIP call in, `<Dial>`ed to a SIP callee. */
function switchboardRelay(sb: ServerChild, peer: SipPeer, app: DialApp, step: number): RelayUnderTest {
  return {
    async setup(generator, calls) {
      const remotes: Remote[] = [];
      const key = (i: number) => `${step}${String(i).padStart(4, '0')}`;
      const children = new Map<string, (port: number) => void>();
      peer.answer = (invite) => {
        const i = Number(invite.user.slice(`callee-${step}`.length));
        const seen = children.get(invite.user);
        if (!seen || !Number.isInteger(i)) return { status: 404 };
        seen(sdpPort(invite.sdp));
        return { sdp: pcmuSdp(generator.ports[2 * i + 1]!) };
      };
      let next = 0;
      const one = async (i: number) => {
        const childPort = new Promise<number>((resolve) => children.set(`callee-${key(i)}`, resolve));
        const call = peer.invite({ target: sipTarget(sb), user: NUMBER.slice(1), fromUser: `+1555${key(i)}`, sdp: pcmuSdp(generator.ports[2 * i]!) });
        const answered = await call.answered;
        if (answered.status !== 200) {
          const why = await explainCall(sb, app.callSids.get(key(i)));
          throw new SkipBridge(`${why.refusedDial ? 'Switchboard refuses <Dial>' : 'the call in was not answered'}: SIP ${answered.status}, ${why.text}`);
        }
        const timeout = sleep(CALL_SETUP_TIMEOUT_MS).then(() => null);
        const port = await Promise.race([childPort, timeout]);
        if (port === null) {
          const why = await explainCall(sb, app.callSids.get(key(i)));
          throw new SkipBridge(why.refusedDial ? `Switchboard refuses <Dial> (${why.text})` : `no child INVITE reached the callee within ${CALL_SETUP_TIMEOUT_MS / 1000} s (${why.text})`);
        }
        remotes.push({ leg: 2 * i, host: '127.0.0.1', port: sdpPort(answered.sdp), payloadType: 0 });
        remotes.push({ leg: 2 * i + 1, host: '127.0.0.1', port, payloadType: 0 });
      };
      await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, calls) }, async () => {
        while (next < calls) await one(next++);
      }));
      return remotes;
    },
    cpuMs: async () => {
      const cpu = await sb.rpc<NodeJS.CpuUsage>('cpuUsage');
      return (cpu.user + cpu.system) / 1000;
    },
    async teardown() {
      await peer.hangupAll();
      const left = await waitForNoLiveCalls(sb, 15_000);
      if (left > 0) notes.push(`bridge-relay: ${left} calls still live 15 s after the ${step}-call step`);
    },
  };
}

/** A reason not to give a Switchboard figure (never a made-up one). */
class SkipBridge extends Error {}

/** A bridge that was set up but relays nothing is not a figure either. */
function checkRelayed(step: RelayStep): void {
  if (step.window.received === 0) throw new SkipBridge('the bridges were set up but Switchboard relayed no RTP (is the media relay merged?)');
}

interface StepResult {
  calls: number;
  floor?: RelayStep;
  rtpengine?: RelayStep;
  switchboard?: RelayStep;
}

const jitter = (s: RelayStep) => `p50 ${fmt(s.window.arrival.p50, 2)} / p99 ${fmt(s.window.arrival.p99, 2)} / max ${fmt(s.window.arrival.max, 1)} ms`;
const figure = (s: RelayStep) =>
  `${fmt(s.cpuUsPerPacket, 1)} µs/packet (CPU ${fmt(s.relayCpuPercent)}%), jitter ${jitter(s)}, rx ${fmt(s.window.received)} of ${fmt(s.expected)}` +
  (s.silentLegs > 0 ? `, ${s.silentLegs} silent streams` : '') + (s.window.lateness.p99 > GENERATOR_LATE_MS ? `, generator late p99 ${fmt(s.window.lateness.p99, 1)} ms` : '');

/** rtpengine's version, installing it first (scripts/install-bench-peers.sh) when it is missing. */
function ensureRtpengine(): string | null {
  if (rtpengineVersion()) return rtpengineVersion();
  log('bridge-relay: rtpengine missing, running scripts/install-bench-peers.sh');
  spawnSync(fileURLToPath(new URL('../scripts/install-bench-peers.sh', import.meta.url)), { stdio: ['ignore', 2, 2] });
  return rtpengineVersion();
}

export async function benchBridgeRelay(): Promise<void> {
  const version = ensureRtpengine();
  const results: StepResult[] = STEPS.map((calls) => ({ calls }));
  let skip: string | undefined;
  const engine = version ? await Rtpengine.start({ portMin: 42000, portMax: 49999 }) : undefined;
  if (!version) notes.push('bridge-relay: rtpengine is not installed (scripts/install-bench-peers.sh), so there is no reference');
  try {
    for (const r of results) {
      log(`bridge-relay: ${r.calls} calls, no relay (generator floor)`);
      r.floor = await measureRelay(r.calls, direct, log);
      if (engine) {
        log(`bridge-relay: ${r.calls} calls through rtpengine ${version}`);
        r.rtpengine = await measureRelay(r.calls, rtpengineRelay(engine, String(r.calls)), log);
      }
    }
  } finally {
    await engine?.stop();
  }

  const sb = await startSipSwitchboard(Math.max(...STEPS) * 4 + 200);
  const app = new DialApp();
  const peer = await SipPeer.start();
  try {
    await app.start();
    app.callee = `127.0.0.1:${peer.port}`;
    await provisionNumber(sb, `${app.url}/voice`);
    for (const r of results) {
      log(`bridge-relay: ${r.calls} calls through Switchboard (<Dial><Sip>)`);
      try {
        r.switchboard = await measureRelay(r.calls, switchboardRelay(sb, peer, app, r.calls), log);
        checkRelayed(r.switchboard);
      } catch (err) {
        if (!(err instanceof SkipBridge)) throw err;
        skip = err.message;
        r.switchboard = undefined;
        break;
      }
      // A step whose calls could not all be relayed says all there is to say about larger ones.
      if (!r.switchboard.holds && r.switchboard.silentLegs > 0) break;
    }
  } finally {
    peer.close();
    await sb.stop();
    await app.close();
  }

  for (const r of results) {
    const s = r.switchboard;
    const ref = r.rtpengine;
    const ratio = s && ref ? s.cpuUsPerPacket / ref.cpuUsPerPacket : NaN;
    rows.push({
      name: `7. ${fmt(r.calls)} bridged SIP ↔ SIP calls (worker RTP generator, 50 pps PCMU each way): relay CPU per packet, jitter`,
      value: s ? figure(s) : `skipped: ${skip ?? 'a smaller step did not hold'}`,
      reference: (ref ? `rtpengine ${version} userspace: ${figure(ref)}` : 'rtpengine not installed') + (r.floor ? `; no relay: jitter p99 ${fmt(r.floor.window.arrival.p99, 2)} ms` : ''),
      ratio: Number.isFinite(ratio) ? `${fmt(ratio, 2)}× rtpengine` : '',
      target: `≤ ${COST_TARGET}× rtpengine, p99 ≤ ${JITTER_TARGET_MS} ms`,
      pass: s && ref ? ratio <= COST_TARGET && s.holds : null,
    });
  }
  const best = (pick: (r: StepResult) => RelayStep | undefined) => results.filter((r) => pick(r)?.holds).at(-1)?.calls;
  const sbBest = best((r) => r.switchboard);
  const refBest = best((r) => r.rtpengine);
  rows.push({
    name: `7. most concurrent bridges with relay jitter p99 ≤ ${JITTER_TARGET_MS} ms (steps ${STEPS.join(', ')})`,
    value: skip && !results.some((r) => r.switchboard) ? `skipped: ${skip}` : sbBest ? fmt(sbBest) : `none (below ${STEPS[0]})`,
    reference: `rtpengine: ${refBest ? fmt(refBest) : 'none'}; no relay: ${best((r) => r.floor) ? fmt(best((r) => r.floor)!) : 'none'}`,
    ratio: '', target: '', pass: null,
  });
  const counts = results
    .filter((r) => r.rtpengine?.relayCount)
    .map((r) => `${r.calls} calls: rtpengine counted ${fmt(r.rtpengine!.relayCount!.packets)} RTP in, the generator sent ${fmt(r.rtpengine!.relayCount!.generatorSent)} and received ${fmt(r.rtpengine!.relayCount!.generatorReceived)}`);
  notes.push(
    `bridge-relay: per step, ${WINDOW_MS / 1000} s window after ${SETTLE_MS / 1000} s of streaming; CPU per packet = the relay process's CPU time in the window (rtpengine: /proc/<pid>/stat utime+stime, all threads; Switchboard: process.cpuUsage of its child, main thread and media workers) ` +
      `/ packets the sinks received in it; jitter = |Δarrival − 20 ms| at the receiving leg, every packet of every stream. The generator (worker threads in the bench process) sends on a staggered 20 ms schedule; ` +
      `"generator late" is how late it sent (p99) when over ${GENERATOR_LATE_MS} ms: that much of the jitter is the generator's, and the "no relay" figure is the floor it sets. ` +
      `A step holds when every stream got ≥ 98% of its packets and p99 ≤ ${JITTER_TARGET_MS} ms. rtpengine's own counts (ng query, after the window): ${counts.join('; ') || 'none'}`,
  );
}
