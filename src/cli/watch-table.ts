import { clock } from './output.js';
import type { Json } from './rest-client.js';

const TERMINAL = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

interface Row {
  call: Json;
  /** The verb running now (`verb-started` … `verb-ended`), or null. */
  verb: string | null;
  /** When the call was answered (ms), for the ticking duration; null until it is. */
  answeredAt: number | null;
  /** When the watcher saw it end (ms), to keep the most recent ended calls in view. */
  endedAt: number | null;
}

const COLUMNS = ['SID', 'STATUS', 'DIRECTION', 'FROM', 'TO', 'DURATION', 'VERB'] as const;
const WIDTHS = [36, 11, 13, 16, 16, 8] as const;

const SGR = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', green: '\x1b[32m', yellow: '\x1b[33m' };

/**
 * What `switchboard calls watch` shows: the live calls from `/console/v1/live`, kept current by
 * the feed's events (`status` carries the whole REST Call; `verb-started`/`verb-ended` name the
 * verb running now), plus the last few calls that ended, dimmed, so an ending is seen and not
 * just a row vanishing. Pure: the terminal, the clock and the network are the caller's.
 */
export class WatchTable {
  private readonly rows = new Map<string, Row>();

  constructor(private readonly keepEnded = 10) {}

  /** Replaces the live rows with a snapshot (`{calls:[{…Call, verb}]}`); ended rows stay. */
  load(calls: Json[]): void {
    for (const [sid, row] of this.rows) if (row.endedAt === null) this.rows.delete(sid);
    for (const { verb, ...call } of calls) {
      const started = typeof call.start_time === 'string' ? Date.parse(call.start_time) : NaN;
      const answeredAt = call.status === 'in-progress' && !Number.isNaN(started) ? started : null;
      this.rows.set(call.sid, { call, verb: typeof verb === 'string' ? verb : null, answeredAt, endedAt: null });
    }
  }

  /** Applies one feed event; returns whether anything on screen changed. */
  apply(type: string, data: Json, now: number): boolean {
    const row = this.rows.get(data.callSid);
    switch (type) {
      case 'status': {
        const call = data.call as Json;
        const next: Row = row ?? { call, verb: null, answeredAt: null, endedAt: null };
        next.call = call;
        if (call.status === 'in-progress' && next.answeredAt === null) next.answeredAt = typeof data.at === 'number' ? data.at : now;
        if (TERMINAL.has(call.status)) {
          next.verb = null;
          next.endedAt ??= now;
        }
        this.rows.set(call.sid, next);
        this.pruneEnded();
        return true;
      }
      case 'verb-started':
        if (!row || row.endedAt !== null) return false;
        row.verb = data.verb;
        return true;
      case 'verb-ended':
        if (!row || row.verb !== data.verb) return false;
        row.verb = null;
        return true;
      default:
        return false;
    }
  }

  get liveCount(): number {
    let n = 0;
    for (const row of this.rows.values()) if (row.endedAt === null) n++;
    return n;
  }

  /**
   * The table as terminal lines, each cut to `width`: live calls oldest first with each child
   * leg under its parent, then the ended ones, newest first; `… N more` when `height` is short.
   */
  render(now: number, width: number, height: number): string[] {
    const header = COLUMNS.map((title, i) => title.padEnd(WIDTHS[i] ?? 0)).join('  ').trimEnd();
    const lines = [SGR.bold + header.slice(0, width) + SGR.reset];
    const ordered = this.ordered();
    const room = Math.max(1, height - 1);
    const shown = ordered.length > room ? ordered.slice(0, room - 1) : ordered;
    for (const { row, depth } of shown) lines.push(this.line(row, depth, now, width));
    if (shown.length < ordered.length) lines.push(`… ${ordered.length - shown.length} more`.slice(0, width));
    if (ordered.length === 0) lines.push(SGR.dim + 'No live calls.' + SGR.reset);
    return lines;
  }

  private line(row: Row, depth: number, now: number, width: number): string {
    const { call } = row;
    const sid = (depth > 0 ? '  '.repeat(depth - 1) + '└ ' : '') + call.sid;
    const cells = [sid, call.status, call.direction, call.from, call.to, duration(row, now), row.verb ?? ''];
    const plain = cells.map((cell, i) => String(cell ?? '').padEnd(WIDTHS[i] ?? 0)).join('  ').trimEnd().slice(0, width);
    return colour(row) + plain + SGR.reset;
  }

  private ordered(): { row: Row; depth: number }[] {
    const live = [...this.rows.values()].filter((row) => row.endedAt === null).sort((a, b) => created(a) - created(b));
    const ended = [...this.rows.values()].filter((row) => row.endedAt !== null).sort((a, b) => b.endedAt! - a.endedAt!);
    const children = new Map<string, Row[]>();
    const roots: Row[] = [];
    for (const row of live) {
      const parent = row.call.parent_call_sid;
      const parentRow = typeof parent === 'string' ? this.rows.get(parent) : undefined;
      if (parentRow && parentRow.endedAt === null) children.set(parent, [...(children.get(parent) ?? []), row]);
      else roots.push(row);
    }
    const out: { row: Row; depth: number }[] = [];
    const visit = (row: Row, depth: number) => {
      out.push({ row, depth });
      for (const child of children.get(row.call.sid) ?? []) visit(child, depth + 1);
    };
    for (const root of roots) visit(root, 0);
    return [...out, ...ended.map((row) => ({ row, depth: 0 }))];
  }

  private pruneEnded(): void {
    const ended = [...this.rows.entries()].filter(([, row]) => row.endedAt !== null).sort((a, b) => b[1].endedAt! - a[1].endedAt!);
    for (const [sid] of ended.slice(this.keepEnded)) this.rows.delete(sid);
  }
}

function created(row: Row): number {
  const ms = Date.parse(row.call.date_created);
  return Number.isNaN(ms) ? 0 : ms;
}

/** Ticking while answered; the REST `duration` once ended; `-` before the call is answered. */
function duration(row: Row, now: number): string {
  if (row.endedAt !== null) return row.call.duration === null || row.call.duration === undefined ? '-' : clock(Number(row.call.duration));
  return row.answeredAt === null ? '-' : clock((now - row.answeredAt) / 1000);
}

function colour(row: Row): string {
  if (row.endedAt !== null) return SGR.dim;
  if (row.call.status === 'in-progress') return SGR.green;
  return SGR.yellow;
}
