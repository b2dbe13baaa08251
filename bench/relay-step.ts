/**
 * One step of the relay benchmark, the same for rtpengine and for Switchboard's bridge: open
 * `calls` call pairs (two generator legs each, 50 pps each way, G.711), let the relay settle,
 * then measure over a window the relay process's CPU time and what the sinks received.
 *
 * CPU per relayed packet = the relay's CPU time in the window / packets the sinks received in
 * it (each of them one packet the relay took in and sent on). Relay jitter = the inter-arrival
 * deviation |Δarrival − 20 ms| of the forwarded streams at the sinks, p99 over every packet of
 * every stream; the generator's own send lateness is reported beside it, since it adds to it.
 */
import { performance } from 'node:perf_hooks';
import { RtpGenerator, type GeneratorWindow, type Remote } from './rtp-generator.js';
import { sleep } from './lib.js';

export const PPS = 50;
export const JITTER_TARGET_MS = 5;
export const SETTLE_MS = 1500;
export const WINDOW_MS = 4000;

export interface RelayStep {
  calls: number;
  window: GeneratorWindow;
  relayCpuMs: number;
  /** µs of relay CPU per packet the sinks received. */
  cpuUsPerPacket: number;
  /** Relay CPU over the window, % of one core. */
  relayCpuPercent: number;
  /** Packets the sinks should have received in the window (2 streams per call, 50 pps). */
  expected: number;
  /** Streams that got nothing in the window. */
  silentLegs: number;
  /** Every call relayed ≥ 98% of its packets and jitter p99 ≤ 5 ms. */
  holds: boolean;
  /** The relay's own count (e.g. rtpengine's `query`), when the step has one, with what it is. */
  relayCount?: { packets: number; generatorSent: number; generatorReceived: number };
}

export interface RelayUnderTest {
  /** Sets up the relayed call pairs for the generator's legs (caller 2i, callee 2i+1); returns where each leg sends. */
  setup(generator: RtpGenerator, calls: number): Promise<Remote[]>;
  /** The relay process's CPU time so far, ms. */
  cpuMs(): Promise<number>;
  /** Optional: the relay's own packet count over the whole step, read after the window. */
  relayedPackets?(): Promise<number>;
  teardown(): Promise<void>;
}

export async function measureRelay(calls: number, relay: RelayUnderTest, log: (m: string) => void): Promise<RelayStep> {
  const generator = await RtpGenerator.start(calls * 2);
  try {
    const remotes = await relay.setup(generator, calls);
    await generator.setRemotes(remotes);
    await generator.start();
    await sleep(SETTLE_MS);
    const cpu0 = await relay.cpuMs();
    const t0 = performance.now();
    const window = await generator.measure(WINDOW_MS);
    const relayCpuMs = (await relay.cpuMs()) - cpu0;
    const elapsed = performance.now() - t0;
    const relayed = relay.relayedPackets ? await relay.relayedPackets() : undefined;
    const expected = calls * 2 * PPS * window.seconds;
    const silentLegs = window.receivedPerLeg.filter((n) => n === 0).length;
    const perLegNeeded = PPS * window.seconds * 0.98;
    const holds = window.receivedPerLeg.every((n) => n >= perLegNeeded) && window.arrival.p99 <= JITTER_TARGET_MS;
    log(
      `  ${calls} calls: received ${window.received} of ${Math.round(expected)} expected, jitter p99 ${window.arrival.p99.toFixed(2)} ms, ` +
        `generator lateness p99 ${window.lateness.p99.toFixed(2)} ms, relay CPU ${((relayCpuMs / elapsed) * 100).toFixed(0)}%`,
    );
    return {
      calls, window, relayCpuMs, cpuUsPerPacket: window.received > 0 ? (relayCpuMs * 1000) / window.received : NaN,
      relayCpuPercent: (relayCpuMs / elapsed) * 100, expected, silentLegs, holds,
      relayCount: relayed === undefined ? undefined : { packets: relayed, generatorSent: window.sentTotal, generatorReceived: window.receivedTotal },
    };
  } finally {
    await generator.stop();
    await relay.teardown();
  }
}
