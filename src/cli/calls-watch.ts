import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './connection.js';
import { readEventStream } from './event-stream.js';
import type { Json, RestClient } from './rest-client.js';
import { WatchTable } from './watch-table.js';

/** Between reconnects after the feed drops (the server restarting, a slow-client disconnect). */
const RECONNECT_MS = 1000;
/** Coalesces bursts of events into one redraw. */
const FRAME_MS = 50;

/**
 * `switchboard calls watch`: loads `/console/v1/live`, then follows `/console/v1/events` from
 * that snapshot's `seq` (feed contract: resume with `Last-Event-ID`; `event: reset` means the
 * history no longer reaches back, so reload the snapshot). In a terminal the table is redrawn
 * in place on the alternate screen until `q` or Ctrl-C; piped, each change is one plain line.
 */
export async function watchCalls(client: RestClient): Promise<void> {
  const stop = new AbortController();
  const view = process.stdout.isTTY ? new TerminalView(client.connection.url, stop) : new LineView();
  try {
    await follow(client, view, stop.signal);
  } finally {
    view.close();
  }
}

interface View {
  /** The live calls at the feed position the events continue from. */
  snapshot(calls: Json[]): void;
  event(type: string, data: Json): void;
  /** The connection's state, for the title line. */
  state(text: string): void;
  close(): void;
}

async function follow(client: RestClient, view: View, signal: AbortSignal): Promise<void> {
  let after: number | null = null;
  while (!signal.aborted) {
    try {
      if (after === null) {
        const live = await client.get('/console/v1/live');
        view.snapshot(live.calls as Json[]);
        after = Number(live.seq);
      }
      const response = await client.open('/console/v1/events', {
        headers: { accept: 'text/event-stream', 'last-event-id': String(after) }, signal,
      });
      view.state('connected');
      for await (const event of readEventStream(response.body!)) {
        if (event.event === 'reset') {
          after = null;
          break;
        }
        const seq = Number(event.id);
        if (Number.isFinite(seq)) {
          if (seq <= after!) continue;
          after = seq;
        }
        let data: Json;
        try {
          data = JSON.parse(event.data) as Json;
        } catch {
          continue;
        }
        view.event(event.event, data);
      }
      if (!signal.aborted && after !== null) view.state('the feed closed; reconnecting');
    } catch (error) {
      if (signal.aborted) return;
      // The server answered and refused (wrong account, no feed): retrying cannot help.
      if (error instanceof CliError && error.httpStatus !== undefined && error.httpStatus < 500) throw error;
      view.state(`reconnecting: ${(error as Error).message}`);
    }
    await sleep(RECONNECT_MS, undefined, { signal }).catch(() => undefined);
  }
}

/** The alternate screen, redrawn from the top; keys read raw so `q` needs no Enter. */
class TerminalView implements View {
  private readonly table = new WatchTable();
  private status = 'connecting';
  private pending: NodeJS.Timeout | null = null;
  private readonly tick: NodeJS.Timeout;
  private readonly onKey = (chunk: Buffer) => {
    const key = chunk.toString('utf8');
    if (key === 'q' || key === 'Q' || key.includes('\x03')) this.stop.abort();
  };
  private readonly onSignal = () => this.stop.abort();
  private readonly onResize = () => this.draw();

  constructor(private readonly url: string, private readonly stop: AbortController) {
    process.stdout.write('\x1b[?1049h\x1b[?25l');
    if (process.stdin.isTTY) process.stdin.setRawMode(true);
    process.stdin.on('data', this.onKey).resume();
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    process.stdout.on('resize', this.onResize);
    // The durations of answered calls tick every second.
    this.tick = setInterval(() => this.draw(), 1000);
    this.draw();
  }

  snapshot(calls: Json[]): void {
    this.table.load(calls);
    this.changed();
  }

  event(type: string, data: Json): void {
    if (this.table.apply(type, data, Date.now())) this.changed();
  }

  state(text: string): void {
    this.status = text;
    this.changed();
  }

  private changed(): void {
    this.pending ??= setTimeout(() => {
      this.pending = null;
      this.draw();
    }, FRAME_MS);
  }

  close(): void {
    clearInterval(this.tick);
    if (this.pending) clearTimeout(this.pending);
    process.stdin.off('data', this.onKey).pause();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.stdout.off('resize', this.onResize);
    process.stdout.write('\x1b[?25h\x1b[?1049l');
  }

  private draw(): void {
    const width = process.stdout.columns || 120;
    const height = process.stdout.rows || 40;
    const now = Date.now();
    const title = `Switchboard ${this.url}  ·  ${this.table.liveCount} live  ·  ${this.status}  ·  ${new Date(now).toISOString().slice(11, 19)} UTC  ·  q quits`;
    const lines = [title.slice(0, width), '', ...this.table.render(now, width, height - 2)];
    process.stdout.write('\x1b[H' + lines.map((line) => line + '\x1b[K').join('\r\n') + '\x1b[J');
  }
}

/** Not a terminal (piped to a file or a test): one line per status change or verb start. */
class LineView implements View {
  snapshot(calls: Json[]): void {
    for (const call of calls) process.stdout.write(`live ${call.sid} ${call.from} -> ${call.to} ${call.status}${call.verb ? ` <${call.verb}>` : ''}\n`);
  }

  state(text: string): void {
    process.stdout.write(`# ${text}\n`);
  }

  event(type: string, data: Json): void {
    const at = new Date(typeof data.at === 'number' ? data.at : Date.now()).toISOString();
    if (type === 'status') {
      const call = data.call as Json;
      process.stdout.write(`${at} ${call.sid} ${call.from} -> ${call.to} ${call.status}\n`);
    } else if (type === 'verb-started') {
      process.stdout.write(`${at} ${data.callSid} <${data.verb}>\n`);
    }
  }

  close(): void {}
}
