/**
 * One thread of the RTP load generator (bench/rtp-generator.ts): it owns some legs, each a UDP
 * socket on 127.0.0.1 that sends 20 ms G.711 packets (50 pps, RFC 3551 §4.5.14) to the relay
 * and receives what the relay forwarded from the other leg of its call.
 *
 * Per leg it measures, inside a window: packets sent and received, how late each send was
 * against its schedule (the generator's own jitter: if that is high the generator, not the
 * relay, is the bottleneck), and the inter-arrival deviation |Δarrival − 20 ms| of the forwarded
 * stream. Deviations go into 0.05 ms buckets so workers' figures merge exactly.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import alawmulaw from 'alawmulaw';
import { BUCKET_MS, BUCKETS, type GeneratorCommand, type WorkerWindow } from './rtp-generator-protocol.js';

const PERIOD_MS = 20;
const SAMPLES = 160;

interface Leg {
  socket: Socket;
  port: number;
  phaseMs: number;
  sending: boolean;
  packet: Buffer;
  seq: number;
  timestamp: number;
  lastArrival: number;
  received: number;
}

const count: number = (workerData as { legs: number }).legs;
const port = parentPort!;

/** A 400 Hz tone: exactly 8 cycles per 20 ms frame, so every packet carries the same audio. */
function payload(payloadType: 0 | 8): Buffer {
  const pcm = new Int16Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) pcm[i] = Math.round(6000 * Math.sin((2 * Math.PI * 400 * i) / 8000));
  return Buffer.from(payloadType === 8 ? alawmulaw.alaw.encode(pcm) : alawmulaw.mulaw.encode(pcm));
}

const legs: Leg[] = [];
let windowOpen = false;
let windowStart = 0;
let sent = 0;
let sentTotal = 0;
let receivedTotal = 0;
let received = 0;
let payloadTypes: Record<string, number> = {};
let arrival = new Array<number>(BUCKETS).fill(0);
let lateness = new Array<number>(BUCKETS).fill(0);
const bucket = (ms: number) => Math.min(BUCKETS - 1, Math.max(0, Math.floor(ms / BUCKET_MS)));

function bind(index: number): Promise<Leg> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // ICMP port unreachable before the far end is up: not fatal
      const leg: Leg = {
        socket, port: socket.address().port, phaseMs: (index * PERIOD_MS) / count, sending: false,
        packet: Buffer.alloc(12 + SAMPLES), seq: (index * 7919) & 0xffff, timestamp: 0, lastArrival: NaN, received: 0,
      };
      socket.on('message', (msg) => {
        const now = performance.now();
        receivedTotal++;
        if (!windowOpen || msg.length < 12) {
          leg.lastArrival = now;
          return;
        }
        received++;
        leg.received++;
        const pt = String(msg[1]! & 0x7f);
        payloadTypes[pt] = (payloadTypes[pt] ?? 0) + 1;
        if (!Number.isNaN(leg.lastArrival)) arrival[bucket(Math.abs(now - leg.lastArrival - PERIOD_MS))]!++;
        leg.lastArrival = now;
      });
      resolve(leg);
    });
  });
}

function send(leg: Leg, due: number, now: number): void {
  const p = leg.packet;
  p.writeUInt16BE(leg.seq, 2);
  p.writeUInt32BE(leg.timestamp >>> 0, 4);
  leg.seq = (leg.seq + 1) & 0xffff;
  leg.timestamp = (leg.timestamp + SAMPLES) >>> 0;
  leg.socket.send(p);
  sentTotal++;
  if (windowOpen) {
    sent++;
    lateness[bucket(now - due)]!++;
  }
}

/** Every leg on one schedule, staggered across the 20 ms period so sends do not come in bursts. */
function run(): void {
  let cycleStart = performance.now();
  let cursor = 0;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    const now = performance.now();
    for (;;) {
      const leg = legs[cursor]!;
      const due = cycleStart + leg.phaseMs;
      if (due > now + 0.25) break;
      if (leg.sending) send(leg, due, now);
      if (++cursor === legs.length) [cursor, cycleStart] = [0, cycleStart + PERIOD_MS];
    }
    setTimeout(tick, Math.max(0, cycleStart + legs[cursor]!.phaseMs - performance.now() - 0.5));
  };
  tick();
  stopRun = () => (stopped = true);
}
let stopRun = () => {};

port.on('message', (message: GeneratorCommand) => {
  switch (message.cmd) {
    case 'remotes':
      for (const r of message.remotes) {
        const leg = legs[r.leg]!;
        const p = payload(r.payloadType);
        p.copy(leg.packet, 12);
        leg.packet[0] = 0x80;
        leg.packet[1] = r.payloadType;
        leg.packet.writeUInt32BE((0x5b000000 + r.leg * 2 + (workerData as { ssrcBase: number }).ssrcBase) >>> 0, 8);
        leg.socket.connect(r.port, r.host, () => (leg.sending = true));
      }
      port.postMessage({ type: 'ok' });
      break;
    case 'start':
      run();
      port.postMessage({ type: 'ok' });
      break;
    case 'window-start':
      [sent, received, payloadTypes] = [0, 0, {}];
      arrival = new Array<number>(BUCKETS).fill(0);
      lateness = new Array<number>(BUCKETS).fill(0);
      for (const leg of legs) [leg.received, leg.lastArrival] = [0, NaN];
      windowStart = performance.now();
      windowOpen = true;
      port.postMessage({ type: 'ok' });
      break;
    case 'window-end': {
      windowOpen = false;
      const result: WorkerWindow = {
        seconds: (performance.now() - windowStart) / 1000, sent, received, receivedPerLeg: legs.map((l) => l.received), payloadTypes, arrival, lateness, sentTotal, receivedTotal,
      };
      port.postMessage({ type: 'window', result });
      break;
    }
    case 'stop':
      stopRun();
      for (const leg of legs) leg.socket.close();
      port.postMessage({ type: 'ok' });
      break;
  }
});

Promise.all(Array.from({ length: count }, (_, i) => bind(i))).then(
  (bound) => {
    legs.push(...bound);
    port.postMessage({ type: 'ready', ports: legs.map((l) => l.port) });
  },
  (err: Error) => port.postMessage({ type: 'error', message: err.message }),
);
