/**
 * wrk (Debian `wrk`), the HTTP load generator of the request-rate rows: a C program in its own
 * process, so the generator is neither the bottleneck nor sharing the server's event loop
 * (issue 9, point 10). `scripts/install-bench-peers.sh` installs it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface WrkResult {
  rate: number;
  /** Latency percentiles, ms (wrk --latency). */
  p50: number;
  p99: number;
  requests: number;
  /** Responses that were not 2xx/3xx, and socket errors (connect, read, write, timeout). */
  non2xx: number;
  socketErrors: number;
}

/** wrk's version line, installing it first (scripts/install-bench-peers.sh) when it is missing; null if it cannot be had. */
export function wrkVersion(log: (m: string) => void): string | null {
  const probe = () => /wrk (\S+)/.exec(spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? null;
  const found = probe();
  if (found) return found;
  log('wrk missing, running scripts/install-bench-peers.sh');
  spawnSync(fileURLToPath(new URL('../scripts/install-bench-peers.sh', import.meta.url)), { stdio: ['ignore', 2, 2] });
  return probe();
}

/** One wrk run: `connections` keep-alive connections on `threads` threads for `durationSec`. */
export function runWrk(options: { url: string; headers: Record<string, string>; connections: number; threads: number; durationSec: number }): Promise<WrkResult> {
  const args = [`-t${options.threads}`, `-c${options.connections}`, `-d${options.durationSec}s`, '--latency'];
  for (const [name, value] of Object.entries(options.headers)) args.push('-H', `${name}: ${value}`);
  args.push(options.url);
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      if (code !== 0 || !Number.isFinite(rate)) return reject(new Error(`wrk ${args.join(' ')} failed (${code}):\n${out}`));
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      resolve({
        rate,
        p50: latency(out, '50%'),
        p99: latency(out, '99%'),
        requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
        socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
      });
    });
  });
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function latency(out: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : NaN;
}
