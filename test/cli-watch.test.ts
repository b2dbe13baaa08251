import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readEventStream, type StreamEvent } from '../src/cli/event-stream.js';
import { WatchTable } from '../src/cli/watch-table.js';

/** A response body delivered in exactly these chunks, as a network might cut it. */
function body(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of readEventStream(stream)) events.push(event);
  return events;
}

const ANSI = /\x1b\[[0-9;]*m/g;
const plain = (lines: string[]) => lines.map((line) => line.replace(ANSI, ''));

function call(sid: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    sid, status, direction: 'outbound-api', from: '+15005550006', to: '+14155550100', parent_call_sid: null,
    date_created: 'Wed, 02 Dec 2026 19:00:00 +0000', start_time: 'Wed, 02 Dec 2026 19:00:00 +0000', duration: null, ...extra,
  };
}

describe('the event-stream reader of calls watch', () => {
  it('dispatches an event at each blank line, whatever the chunk boundaries and line endings', async () => {
    const events = await collect(body('id: 1\r\nevent: sta', 'tus\r\ndata: {"a":1}\r', '\n\r\n', 'id: 2\nevent: verb-started\ndata: {"b":2}\n\n'));
    assert.deepEqual(events, [
      { id: '1', event: 'status', data: '{"a":1}' },
      { id: '2', event: 'verb-started', data: '{"b":2}' },
    ]);
  });

  it('skips comments, joins data lines, keeps the last id, and drops an event without data', async () => {
    const events = await collect(body(': keep-alive\n\n', 'id: 7\nevent: reset\n\n', 'data: one\ndata:two\n\n', 'event: x\ndata\n\n'));
    assert.deepEqual(events, [
      { id: '7', event: 'message', data: 'one\ntwo' },
      { id: '7', event: 'x', data: '' },
    ]);
  });
});

describe('the table calls watch draws', () => {
  const now = Date.parse('Wed, 02 Dec 2026 19:01:05 +0000');

  it('shows the snapshot with each verb, then a call answered with its duration ticking, then ended and dimmed', () => {
    const table = new WatchTable();
    table.load([{ ...call('CA1', 'in-progress'), verb: 'Say' }, { ...call('CA2', 'ringing', { start_time: null }), verb: null }]);
    let lines = plain(table.render(now, 160, 40));
    assert.match(lines[0]!, /^SID\s+STATUS\s+DIRECTION\s+FROM\s+TO\s+DURATION\s+VERB$/);
    assert.match(lines[1]!, /^CA1\s+in-progress\s+outbound-api\s+\+15005550006\s+\+14155550100\s+1:05\s+Say$/);
    assert.match(lines[2]!, /^CA2\s+ringing\s+.*\s+-$/);

    assert.ok(table.apply('status', { callSid: 'CA2', call: call('CA2', 'in-progress'), at: now - 3000 }, now));
    assert.ok(table.apply('verb-started', { callSid: 'CA2', verb: 'Gather' }, now));
    assert.match(plain(table.render(now, 160, 40))[2]!, /^CA2\s+in-progress\s+.*\s+0:03\s+Gather$/);

    assert.ok(table.apply('status', { callSid: 'CA1', call: call('CA1', 'completed', { duration: '65' }), at: now }, now));
    const raw = table.render(now, 160, 40);
    lines = plain(raw);
    assert.equal(table.liveCount, 1);
    assert.match(lines[1]!, /^CA2\s+in-progress/, 'live calls first');
    assert.match(lines[2]!, /^CA1\s+completed\s+.*\s+1:05$/, 'the ended call stays, with its REST duration and no verb');
    assert.ok(raw[2]!.startsWith('\x1b[2m'), 'dimmed');
  });

  it('lists a child leg under its parent, keeps only the last ended calls, and cuts lines to the width', () => {
    const table = new WatchTable(2);
    table.load([{ ...call('CAparent', 'in-progress'), verb: 'Dial' }, { ...call('CAchild', 'in-progress', { parent_call_sid: 'CAparent', direction: 'outbound-dial' }), verb: null }]);
    table.apply('status', { callSid: 'CAother', call: call('CAother', 'ringing', { date_created: 'Wed, 02 Dec 2026 18:00:00 +0000' }) }, now);
    const lines = plain(table.render(now, 160, 40));
    assert.deepEqual(lines.slice(1).map((line) => line.split(/\s{2,}|\s(?=[a-z])/)[0]), ['CAother', 'CAparent', '└ CAchild']);

    for (const sid of ['CAe1', 'CAe2', 'CAe3']) table.apply('status', { callSid: sid, call: call(sid, 'busy') }, now + Number(sid.at(-1)));
    const ended = plain(table.render(now, 160, 40)).filter((line) => line.includes(' busy'));
    assert.deepEqual(ended.map((line) => line.slice(0, 4)), ['CAe3', 'CAe2']);
    assert.ok(plain(table.render(now, 30, 40)).every((line) => line.length <= 30));
    assert.match(plain(table.render(now, 160, 4)).at(-1)!, /^… 3 more$/);
  });
});
