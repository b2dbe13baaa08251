/** One dispatched Server-Sent Event. */
export interface StreamEvent {
  /** The `id:` field, if the event had one (the feed's per-account sequence number). */
  id: string | undefined;
  /** The `event:` field; `message` when absent (WHATWG HTML §9.2.6). */
  event: string;
  data: string;
}

/**
 * Reads a `text/event-stream` body (WHATWG HTML §9.2.6, "Interpreting an event stream"): lines
 * end in CRLF, LF or CR; a blank line dispatches the event gathered so far; `:` starts a
 * comment (the feed's `: keep-alive`); one space after the colon is dropped; several `data:`
 * lines join with LF; an event with no data is not dispatched. The CLI reads the console feed
 * with this over Node's fetch, as the browser page does over its own fetch reader.
 */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      // A CR at the very end may be the first half of a CRLF still in flight.
      if (end < 0 || (end === buffer.length - 1 && buffer[end] === '\r')) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) yield { id, event: event || 'message', data: data.join('\n') };
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
  }
}
