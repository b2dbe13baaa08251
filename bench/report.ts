/**
 * The benchmark's report: rows of figures beside their references, notes, the machine line, and
 * how busy the machine was before the run (other processes make every figure noisy).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { sleep } from './lib.js';

export interface Row {
  name: string;
  value: string;
  reference: string;
  ratio: string;
  target: string;
  /** null: informational row, no target. */
  pass: boolean | null;
}

export const rows: Row[] = [];
export const notes: string[] = [];
const loadAtStart = loadavg()[0]!;
let busyAtStart = 0;

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;
export const ms = (v: number) => `${fmt(v, 2)} ms`;

/** Measures, before the run, the share of all cores' time not idle over `ms`: other processes competing with the benchmark. */
export async function measureBackgroundCpu(ms: number): Promise<void> {
  const total = () =>
    cpus().reduce(
      (t, c) => {
        const all = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
        return { all: t.all + all, idle: t.idle + c.times.idle };
      },
      { all: 0, idle: 0 },
    );
  const a = total();
  await sleep(ms);
  const b = total();
  busyAtStart = b.all === a.all ? 0 : 1 - (b.idle - a.idle) / (b.all - a.all);
}

export function printTable(): void {
  const cpu = cpus();
  const lines = [
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${fmt(totalmem() / 1024 ** 3, 1)} GB RAM, Node ${process.version} (${process.platform}/${process.arch}); ` +
      `CPU busy before the run ${fmt(busyAtStart * 100)}%, load average (1 min) ${fmt(loadAtStart, 2)}` +
      (busyAtStart > 0.1 ? ' (other processes were using the CPU: expect noisy figures)' : ''),
    '',
    '| Measurement | Switchboard | Reference (same run) | Ratio | Target | Result |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.value} | ${r.reference} | ${r.ratio} | ${r.target} | ${r.pass === null ? '' : r.pass ? '✅ pass' : '❌ fail'} |`),
    '',
    ...notes.map((n) => `- ${n}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

