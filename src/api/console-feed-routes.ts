import type { FastifyInstance } from 'fastify';
import type { CallService } from '../calls/call-service.js';
import { badRequest } from '../domain/errors.js';
import { isSid } from '../domain/sid.js';
import type { CallEvents } from '../ports/call-events.js';
import type { Authenticator } from './auth.js';
import { EventFeed } from './event-feed.js';
import { one, type Form } from './form.js';
import { callJson } from './render/resources.js';
import { SseConnection } from './sse-connection.js';

/** Tuning of the live feed; every field has a default fit for production. */
export interface FeedOptions {
  /** Events kept per account for resume. Default 20,000. */
  historySize?: number;
  /** Bytes of history kept per account (estimated). Default 32 MiB. */
  historyBytes?: number;
  /** Unsent bytes a client may fall behind by before it is dropped. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Interval of the `: keep-alive` comment. Default 15 s. */
  keepAliveMs?: number;
}

const DEFAULT_MAX_BUFFERED = 1024 * 1024;
const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** Tells a client how soon to reconnect after a drop (an EventSource honours it; fetch readers may). */
const RETRY_MS = 1000;

/**
 * The console's read API (README "Live event feed"): `GET /console/v1/live`, the account's live
 * calls with the verb each runs now and the feed position of that snapshot, and
 * `GET /console/v1/events`, the account's call events as Server-Sent Events with resume.
 * Both take the REST API's Basic auth; a 401 here carries no `WWW-Authenticate` challenge
 * (http-server.ts), so a browser never shows its own dialog over the console's sign-in form.
 */
export function registerConsoleFeedRoutes(app: FastifyInstance, auth: Authenticator, calls: CallService, events: CallEvents, options: FeedOptions = {}): void {
  const feed = new EventFeed(events, { historySize: options.historySize, historyBytes: options.historyBytes, accountOf: (sid) => calls.accountOf(sid) });
  const open = new Set<SseConnection>();
  app.addHook('preClose', async () => {
    for (const connection of [...open]) connection.close();
  });
  app.addHook('onClose', async () => feed.close());

  app.get('/console/v1/live', async (request, reply) => {
    const accountSid = await auth.authenticate(request);
    // Calls and seq are read in one synchronous turn: an event after `seq` is not in the snapshot.
    const seq = feed.lastSeq(accountSid);
    const live = calls.liveCalls(accountSid).map((call) => ({ ...callJson(call), verb: feed.verbOf(call.sid) }));
    return reply.type('application/json; charset=utf-8').send(JSON.stringify({ calls: live, seq }));
  });

  app.get('/console/v1/events', async (request, reply) => {
    const accountSid = await auth.authenticate(request);
    const query = request.query as Form;
    const callSid = one(query, 'callSid');
    if (callSid !== undefined && !isSid('CA', callSid)) throw badRequest(undefined, `callSid '${callSid}' is not a Call SID`);
    const header = request.headers['last-event-id'];
    const after = readSeq(typeof header === 'string' && header.trim() !== '' ? header.trim() : one(query, 'after'));

    // From here to handing over the backlog nothing yields, so no event can fall between the
    // backlog and the live events (which queue behind it while it is paced out).
    reply.hijack();
    let stop = () => {};
    const connection = new SseConnection(reply.raw, {
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED,
      keepAliveMs: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
      onClose: () => {
        stop();
        open.delete(connection);
      },
    });
    open.add(connection);
    const subscription = feed.subscribe(accountSid, { callSid, push: (entry) => connection.send(entry.frame) }, after);
    stop = subscription.stop;
    connection.send(`retry: ${RETRY_MS}\n\n`);
    if (subscription.reset) {
      connection.send(`id: ${subscription.lastSeq}\nevent: reset\ndata: ${JSON.stringify({ seq: subscription.lastSeq })}\n\n`);
    }
    connection.catchUp(subscription.backlog);
    if (connection.isClosed) stop();
  });
}

/** A resume point: a non-negative integer, or undefined for "from now on". */
function readSeq(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value)) throw badRequest(undefined, `'${value}' is not an event id (a non-negative integer)`);
  return Number(value);
}
