/**
 * Load probe for the RTP media engine (not run by tests):
 *   node --import tsx bench/media-load.ts --streams 300 --workers 2 --seconds 10 [--no-echo] [--no-play]
 * Opens N streams on loopback, each with a receiver socket in this process playing the phone.
 * By default every stream loops a prompt (G.711 encoding on the send path) and each receiver
 * echoes what it gets, so the engine also receives N × 50 pps. Prints the engine's stats()
 * every window: tx/rx pps, send jitter p50/p99/max, frames skipped, worst event-loop delay, and
 * the workers' busy share (event-loop utilization: their CPU cost at this load).
 */
import { createSocket, type Socket } from 'node:dgram';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { MediaEngine, type MediaLoadStats } from '../src/sip/rtp/media-engine.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '300' },
    workers: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '10' },
    window: { type: 'string', default: '2' },
    'no-echo': { type: 'boolean', default: false },
    'no-play': { type: 'boolean', default: false },
    'port-base': { type: 'string', default: '30000' },
  },
});
const streams = Number(values.streams);
const workers = Number(values.workers);
const seconds = Number(values.seconds);
const windowMs = Number(values.window) * 1000;
const echo = !values['no-echo'];
const play = !values['no-play'];
const base = Number(values['port-base']);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const fmt = (n: number) => n.toFixed(2);
const line = (label: string, s: MediaLoadStats) =>
  `${label} streams ${s.streams} tx ${s.txPps.toFixed(0)} pps rx ${s.rxPps.toFixed(0)} pps | send jitter p50 ${fmt(s.sendJitterMs.p50)} p99 ${fmt(s.sendJitterMs.p99)} max ${fmt(s.sendJitterMs.max)} ms | skipped ${s.framesSkipped} | loop delay p99 ${fmt(s.eventLoopDelayMs.p99)} max ${fmt(s.eventLoopDelayMs.max)} ms | busy ${(s.busy * 100).toFixed(0)}%`;

const engine = await MediaEngine.start({ host: '127.0.0.1', portRange: [base, base + streams * 2 + 200], workers, rtpTimeoutMs: 0 });
// One second of a 440 Hz prompt on a SharedArrayBuffer: posted to the workers without copies.
const prompt = new Int16Array(new SharedArrayBuffer(8000 * 2));
for (let i = 0; i < prompt.length; i++) prompt[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));

const receivers: Socket[] = [];
const stop = new AbortController();
setMaxListeners(0, stop.signal); // one listener per looping play
let received = 0;
for (let i = 0; i < streams; i++) {
  const phone = createSocket('udp4');
  phone.on('error', () => {});
  await new Promise<void>((resolve) => phone.bind(0, '127.0.0.1', resolve));
  const stream = await engine.openStream({ dtmf() {}, rtpTimeout() {}, failed() {} });
  phone.on('message', (msg, from) => {
    received++;
    if (echo) phone.send(msg, from.port, from.address);
  });
  receivers.push(phone);
  stream.configure({ remoteAddress: '127.0.0.1', remotePort: phone.address().port, payloadType: 0, send: true, receive: true });
  if (play) {
    void (async () => {
      while (!stop.signal.aborted) await stream.play(prompt, stop.signal).catch(() => undefined);
    })();
  }
}
console.log(`${streams} streams on ${workers} workers, echo ${echo}, play ${play}; ${seconds} s in ${windowMs / 1000} s windows`);
await sleep(1000);
await engine.stats(); // discard the ramp-up window
const cpuStart = process.cpuUsage(); // CPU over the measured windows only, not the sockets' setup
const totals: MediaLoadStats[] = [];
for (let t = 0; t < seconds * 1000; t += windowMs) {
  await sleep(windowMs);
  const s = await engine.stats();
  totals.push(s.total);
  console.log(line('total ', s.total));
  for (const w of s.workers) console.log(line(`  w${w.worker}  `, w));
}
const cpu = process.cpuUsage(cpuStart);
console.log(`receiver side: ${received} packets; process CPU (all threads) ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
const worst = (f: (s: MediaLoadStats) => number) => Math.max(...totals.map(f));
/** The box is shared: one window disturbed by another process should not hide the typical one. */
const median = (f: (s: MediaLoadStats) => number) => {
  const sorted = totals.map(f).sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};
console.log(
  `summary: tx ${Math.min(...totals.map((s) => s.txPps)).toFixed(0)}–${worst((s) => s.txPps).toFixed(0)} pps (needed ${streams * 50}), p99 jitter median ${fmt(median((s) => s.sendJitterMs.p99))} up to ${fmt(worst((s) => s.sendJitterMs.p99))} ms, max ${fmt(worst((s) => s.sendJitterMs.max))} ms, skipped ${totals.reduce((n, s) => n + s.framesSkipped, 0)}, workers busy ${(median((s) => s.busy) * 100).toFixed(0)}%`,
);
stop.abort();
await engine.close();
for (const r of receivers) r.close();
