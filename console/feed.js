/**
 * The live event feed, `GET /console/v1/events` (Server-Sent Events, WHATWG HTML §9.2), read
 * with `fetch()` and a stream reader: `EventSource` cannot send the Authorization header.
 *
 * The feed resumes where it stopped: after a dropped connection it reconnects with
 * `Last-Event-ID` set to the last `id:` seen, so no event is lost and none comes twice. An
 * `event: reset` means the server no longer holds the events after that id; the owner
 * reloads its snapshot.
 */

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

/**
 * @typedef {{ type: string, id: string | undefined, data: any }} FeedEvent
 * @typedef {{
 *   callSid?: string,
 *   after?: number,
 *   onEvent: (event: FeedEvent) => void,
 *   onReset?: () => void,
 *   onState?: (state: 'connecting' | 'open' | 'retrying' | 'refused', detail?: string) => void,
 * }} FeedOptions
 */

/**
 * Opens the feed and keeps it open until `close()`.
 * @param {import('./api.js').Api} api
 * @param {FeedOptions} options
 */
export function openFeed(api, options) {
  const controller = new AbortController();
  /** @type {string | undefined} */
  let lastEventId = options.after === undefined ? undefined : String(options.after);
  let retryMs = RETRY_MIN_MS;
  const state = options.onState ?? (() => {});

  const run = async () => {
    while (!controller.signal.aborted) {
      state('connecting');
      try {
        const query = new URLSearchParams();
        if (options.callSid) query.set('callSid', options.callSid);
        const response = await api.stream(`/console/v1/events?${query}`, controller.signal, lastEventId);
        if (response.status === 401 || response.status === 403) {
          state('refused', `HTTP ${response.status}`);
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        state('open');
        retryMs = RETRY_MIN_MS;
        await readEvents(response.body, (event) => {
          if (event.id !== undefined) lastEventId = event.id;
          if (event.type === 'reset') options.onReset?.();
          else options.onEvent(event);
        });
      } catch (error) {
        if (controller.signal.aborted) return;
        state('retrying', String(/** @type {Error} */ (error).message ?? error));
      }
      if (controller.signal.aborted) return;
      state('retrying');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }
  };
  void run();
  return { close: () => controller.abort() };
}

/**
 * Parses an event stream (HTML §9.2.6): `field: value` lines, a blank line dispatches, lines
 * starting with `:` are comments (the keep-alives), several `data:` lines join with `\n`.
 * @param {ReadableStream<any>} body
 * @param {(event: FeedEvent) => void} dispatch
 */
export async function readEvents(body, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  /** @type {string[]} */
  let data = [];
  let type = '';
  /** @type {string | undefined} */
  let id;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (data.length > 0 || type === 'reset') {
          const text = data.join('\n');
          let parsed = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            // A non-JSON payload is handed on as text.
          }
          dispatch({ type: type || 'message', id, data: parsed });
        }
        data = [];
        type = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') type = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
  }
}
