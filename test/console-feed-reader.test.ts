import assert from 'node:assert/strict';
import { test } from 'node:test';

type FeedEvent = { type: string; id: string | undefined; data: unknown };
/** The console's own module (plain ES with JSDoc types, no DOM): the page parses the feed with exactly this code. */
const { readEvents } = (await import(new URL('../console/feed.js', import.meta.url).href)) as {
  readEvents(body: ReadableStream<Uint8Array>, dispatch: (event: FeedEvent) => void): Promise<void>;
};

/** A body delivered in the given chunks, as a network would split it. */
function body(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function read(chunks: string[]) {
  const events: FeedEvent[] = [];
  await readEvents(body(chunks), (event) => events.push(event));
  return events;
}

test('the feed reader dispatches each event at its blank line, with its type, id and JSON data', async () => {
  const events = await read([
    ': keep-alive\n\n',
    'id: 7\nevent: status\ndata: {"callSid":"CA1","to":"ringing"}\n\n',
    'id: 8\nevent: verb-started\ndata: {"callSid":"CA1","verb":"Say"}\n\n',
  ]);
  assert.deepEqual(events, [
    { type: 'status', id: '7', data: { callSid: 'CA1', to: 'ringing' } },
    { type: 'verb-started', id: '8', data: { callSid: 'CA1', verb: 'Say' } },
  ]);
});

test('an event split across chunks, even inside a line or a CRLF, arrives whole', async () => {
  const events = await read(['id: 1\r', '\nevent: sta', 'tus\r\ndata: {"callSid":', '"CA2"}\r\n', '\r\n']);
  assert.deepEqual(events, [{ type: 'status', id: '1', data: { callSid: 'CA2' } }]);
});

test('several data lines join with a newline; the id carries over to events without one (HTML §9.2.6)', async () => {
  const events = await read(['id: 3\ndata: first\ndata: second\n\n', 'event: bridge\ndata: {"joined":true}\n\n']);
  assert.deepEqual(events, [
    { type: 'message', id: '3', data: 'first\nsecond' },
    { type: 'bridge', id: '3', data: { joined: true } },
  ]);
});

test('a reset event is dispatched even without data, and an unfinished event at the end is dropped', async () => {
  const events = await read(['id: 10\nevent: reset\n\n', 'event: status\ndata: {"half":']);
  assert.deepEqual(events, [{ type: 'reset', id: '10', data: null }]);
});
