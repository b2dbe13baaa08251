/**
 * Summarises the `.cpuprofile` files `BENCH_CPU_PROF=<dir>` leaves (one per thread: the server's
 * main thread and each media worker): busy time and the functions with the most self time.
 *
 *   node --import tsx bench/cpu-profile-summary.ts <dir> [top=12]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [dir, topArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: cpu-profile-summary.ts <dir> [top]');
const top = Number(topArg ?? 12);
/** Not work: the thread waiting in epoll, or the profiler's own bookkeeping. */
const IDLE = new Set(['(idle)', '(program)']);

for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)!;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const name = node.callFrame.functionName || '(anonymous)';
    if (IDLE.has(name)) continue;
    busy += dt;
    const where = node.callFrame.url ? `${node.callFrame.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${node.callFrame.lineNumber + 1}` : '';
    const key = where ? `${name} ${where}` : name;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  if (busy === 0) continue;
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)}%)`);
  for (const [key, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  }
}
