/**
 * The relay reference: Sipwise rtpengine (Debian package `rtpengine-daemon`) forwarding in
 * userspace only (`--table=-1`: no kernel module), driven over its ng control protocol, relaying
 * the same kind of streams Switchboard's bridge relays, on the same machine, in the same run.
 *
 * ng protocol (rtpengine README, "The NG Control Protocol"): one UDP datagram per message,
 * `<cookie> <bencoded dictionary>`; the reply repeats the cookie. A call pair is an `offer`
 * (caller's SDP in, the SDP for the callee out, with rtpengine's port facing the callee) and an
 * `answer` (callee's SDP in, the SDP for the caller out); `query` returns its packet counters and
 * `delete` ends it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { freeUdpPort } from '../test/peers/ports.js';
import { bdecode, bencode, type Bencoded } from './bencode.js';
import { sleep, withTimeout } from './lib.js';
import type { RelayUnderTest } from './relay-step.js';
import type { Remote } from './rtp-generator.js';

const NG_TIMEOUT_MS = 1000;
const NG_ATTEMPTS = 3;

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** True when the rtpengine binary runs (scripts/install-bench-peers.sh installs it). */
export function rtpengineVersion(): string | null {
  const probe = spawnSync('rtpengine', ['--version'], { encoding: 'utf8' });
  if (probe.error) return null;
  return /Version:\s*(\S+)/.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? null;
}

type Dict = { [key: string]: Bencoded };

/** CPU time (user + system, all threads, ms) of a process, from /proc/<pid>/stat (proc(5): utime, stime). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
}

let ticks: number | undefined;
function clockTicks(): number {
  ticks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return ticks;
}

export class Rtpengine {
  private readonly waiters = new Map<string, (reply: Dict) => void>();
  private stderr = '';

  private constructor(
    private readonly proc: ChildProcess,
    private readonly socket: Socket,
    private readonly ngPort: number,
  ) {
    proc.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    socket.on('message', (msg) => {
      const space = msg.indexOf(0x20);
      const cookie = msg.toString('latin1', 0, space);
      const waiter = this.waiters.get(cookie);
      if (!waiter) return;
      this.waiters.delete(cookie);
      try {
        waiter(bdecode(msg.subarray(space + 1)) as Dict);
      } catch (err) {
        waiter({ result: 'error', 'error-reason': `undecodable reply: ${(err as Error).message}` });
      }
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Starts the daemon in the foreground (so its pid is this child's) and waits until it answers `ping`. */
  static async start(options: { portMin: number; portMax: number }): Promise<Rtpengine> {
    const ngPort = await freeUdpPort();
    const args = [
      '--config-file=none', '--foreground', '--log-stderr', '--log-level=4', '--table=-1',
      '--interface=127.0.0.1', `--listen-ng=127.0.0.1:${ngPort}`,
      `--port-min=${options.portMin}`, `--port-max=${options.portMax}`,
      `--num-threads=${availableParallelism()}`, '--timeout=60', '--delete-delay=0',
    ];
    const proc = spawn('rtpengine', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const engine = new Rtpengine(proc, socket, ngPort);
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`rtpengine exited with ${code}: ${engine.stderr.slice(-800)}`))));
    exited.catch(() => {});
    try {
      for (let i = 0; ; i++) {
        const pong = await Promise.race([engine.command({ command: 'ping' }).catch(() => null), exited]);
        if (pong?.result === 'pong') break;
        if (i > 20) throw new Error(`rtpengine does not answer ping on 127.0.0.1:${ngPort}: ${engine.stderr.slice(-800)}`);
        await sleep(200);
      }
    } catch (err) {
      await engine.stop();
      throw err;
    }
    return engine;
  }

  /** One ng request; resends on loss (UDP), fails on `result: error`. */
  async command(body: Dict): Promise<Dict> {
    const cookie = randomBytes(8).toString('hex');
    const datagram = Buffer.concat([Buffer.from(`${cookie} `), bencode(body)]);
    for (let attempt = 1; ; attempt++) {
      const reply = new Promise<Dict>((resolve) => this.waiters.set(cookie, resolve));
      this.socket.send(datagram, this.ngPort, '127.0.0.1');
      try {
        const answer = await withTimeout(reply, NG_TIMEOUT_MS, `rtpengine ${String(body.command)}`);
        if (answer.result === 'error') throw new Error(`rtpengine ${String(body.command)}: ${String(answer['error-reason'])}`);
        return answer;
      } catch (err) {
        if (attempt >= NG_ATTEMPTS || !/timed out/.test((err as Error).message)) {
          this.waiters.delete(cookie);
          throw err;
        }
      }
    }
  }

  /**
   * Sets up one relayed call between two local RTP ports; returns where each side must send:
   * `toCallee` is rtpengine's port the callee sends to (from the offer's SDP), `toCaller` the one
   * the caller sends to (from the answer's SDP).
   */
  async relay(callId: string, callerPort: number, calleePort: number): Promise<{ callerSendsTo: number; calleeSendsTo: number }> {
    const offer = await this.command({ command: 'offer', 'call-id': callId, 'from-tag': `${callId}-a`, sdp: pcmuSdp(callerPort), ICE: 'remove' });
    const answer = await this.command({ command: 'answer', 'call-id': callId, 'from-tag': `${callId}-a`, 'to-tag': `${callId}-b`, sdp: pcmuSdp(calleePort), ICE: 'remove' });
    return { calleeSendsTo: sdpPort(String(offer.sdp)), callerSendsTo: sdpPort(String(answer.sdp)) };
  }

  /** RTP packets rtpengine received on the call, both directions (`query` → `totals.RTP.packets`). */
  async packets(callId: string): Promise<number> {
    const reply = await this.command({ command: 'query', 'call-id': callId });
    const totals = reply.totals as Dict | undefined;
    return Number((totals?.RTP as Dict | undefined)?.packets ?? NaN);
  }

  async delete(callId: string): Promise<void> {
    await this.command({ command: 'delete', 'call-id': callId, 'from-tag': `${callId}-a` }).catch(() => {});
  }

  async stop(): Promise<void> {
    this.socket.close();
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGTERM');
    await withTimeout(exited, 5000, 'stopping rtpengine').catch(() => this.proc.kill('SIGKILL'));
  }
}

/** A one-stream PCMU offer or answer (RFC 4566; RFC 3551 payload type 0, 20 ms frames). */
export function pcmuSdp(port: number, payloadType: 0 | 8 = 0): string {
  const name = payloadType === 8 ? 'PCMA' : 'PCMU';
  return [
    'v=0', `o=- ${port} 1 IN IP4 127.0.0.1`, 's=bench', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} RTP/AVP ${payloadType}`, `a=rtpmap:${payloadType} ${name}/8000`, 'a=ptime:20', 'a=sendrecv', '',
  ].join('\r\n');
}

export function sdpPort(sdp: string): number {
  const port = /^m=audio (\d+) /m.exec(sdp)?.[1];
  if (!port) throw new Error(`no m=audio line in SDP:\n${sdp}`);
  return Number(port);
}

/** rtpengine as the relay of bench/relay-step.ts: `calls` offer/answer pairs, one per generator leg pair. */
export function rtpengineRelay(engine: Rtpengine, step: string): RelayUnderTest {
  const ids: string[] = [];
  return {
    async setup(generator, calls) {
      const remotes: Remote[] = [];
      for (let i = 0; i < calls; i++) {
        const id = `bench-${step}-${i}`;
        ids.push(id);
        const { callerSendsTo, calleeSendsTo } = await engine.relay(id, generator.ports[2 * i]!, generator.ports[2 * i + 1]!);
        remotes.push({ leg: 2 * i, host: '127.0.0.1', port: callerSendsTo, payloadType: 0 });
        remotes.push({ leg: 2 * i + 1, host: '127.0.0.1', port: calleeSendsTo, payloadType: 0 });
      }
      return remotes;
    },
    cpuMs: async () => processCpuMs(engine.pid),
    async relayedPackets() {
      let total = 0;
      for (const id of ids) total += await engine.packets(id);
      return total;
    },
    async teardown() {
      for (const id of ids) await engine.delete(id);
    },
  };
}
