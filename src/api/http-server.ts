import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { AccountTokens } from '../calls/account-tokens.js';
import type { CallService } from '../calls/call-service.js';
import { parseForm } from './form.js';
import { moreInfo, notFound, TwilioError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { SimNetwork } from '../simnet/sim-network.js';
import { registerSimRoutes } from './sim-routes.js';
import { registerConsoleRoutes } from './console-routes.js';
import { authenticateBeforeBody, Authenticator } from './auth.js';
import { registerCallRoutes } from './calls-routes.js';
import { registerPhoneNumberRoutes } from './incoming-phone-numbers-routes.js';
import { registerNotificationRoutes } from './notifications-routes.js';
import { registerRecordingRoutes } from './recordings-routes.js';
import { registerTranscriptionRoutes } from './transcriptions-routes.js';
import type { TranscriptionStore } from '../ports/transcription-store.js';
import type { Recordings } from '../recordings/recordings.js';
import { errorXml } from './render/xml.js';
import { registerTwilioHosts } from './twilio-hosts.js';
import { registerMultipartForms } from './multipart.js';
import { answerClientError, clipMessage, refusalOf } from './refusals.js';
import { registerAssetRoutes } from './assets-routes.js';
import { registerConferenceRoutes } from './conferences-routes.js';
import type { ConferenceService } from '../conferences/conference-service.js';
import type { Registry } from 'prom-client';
import { registerMetricsRoute } from './metrics.js';

import type { CallEvents } from '../ports/call-events.js';
import { registerConsoleFeedRoutes, type FeedOptions } from './console-feed-routes.js';
import type { CallEventStore } from '../ports/call-event-store.js';
import { registerCallEventRoutes } from './call-events-routes.js';
import { ApiExchangeLog } from './api-exchange-log.js';
import type { MessageService } from '../messages/message-service.js';
import { registerMessageRoutes } from './messages-routes.js';
import type { QueueService } from '../queues/queue-service.js';
import { registerQueueRoutes } from './queues-routes.js';

const BODY_LIMIT = 1024 * 1024;

export interface HttpServerDeps {
  store: Store;
  clock: Clock;
  calls: CallService;
  conferences: ConferenceService;
  messages: MessageService;
  queues: QueueService;
  sim: SimNetwork;
  tokens: AccountTokens;
  recordings: Recordings;
  transcriptions: TranscriptionStore;
  logger: FastifyBaseLogger | false;
  /** The call events hub the console's live feed reads. */
  events: CallEvents;
  feed?: FeedOptions;
  /** Each call's request/response log (the Events subresource). */
  callEvents: CallEventStore;
  /** False until the server is ready: `/health` answers 503 meanwhile, and while draining. */
  isReady(): boolean;
  /** The server's Prometheus registry, served at `/metrics`. */
  metrics: Registry;
}

/** The HTTP edge: Twilio's REST API (2010-04-01), the simulated network's API, and `/health`. */
export function createHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // Repeated keys are kept (`StatusCallbackEvent=a&StatusCallbackEvent=b`): calls-api.md §1.
    routerOptions: { querystringParser: (text) => parseForm(text) },
    bodyLimit: BODY_LIMIT,
    // A path that is not valid UTF-8 once decoded, or a segment too long for any route, names no
    // resource: Twilio answers those 404 / 20404.
    frameworkErrors: (_error, request, reply) => {
      const missing = notFound(request.url.split('?', 1)[0]!);
      sendError(request.url, (reply as FastifyReply).code(404), { code: 20404, message: clipMessage(missing.message), more_info: moreInfo(20404), status: 404 });
    },
    clientErrorHandler: answerClientError,
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, text, done) => {
    done(null, parseForm(text as string));
  });
  registerMultipartForms(app, BODY_LIMIT);

  app.setErrorHandler((error: FastifyError | TwilioError, request, reply) => {
    const twilio = error instanceof TwilioError ? error : refusalOf(error);
    const httpStatus = (error as FastifyError).statusCode;
    const status = twilio?.status ?? (httpStatus && httpStatus < 500 ? httpStatus : 500);
    const code = twilio ? twilio.code : status >= 500 ? 20500 : undefined;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const body = {
      ...(code !== undefined && { code }),
      message: status >= 500 && !twilio ? 'Internal Server Error' : clipMessage((twilio ?? error).message),
      ...(code !== undefined && { more_info: moreInfo(code) }),
      status,
      ...(twilio?.detail && { detail: twilio.detail }),
    };
    // The console shows its own sign-in form: no challenge, so the browser opens no dialog.
    if (status === 401 && !request.url.startsWith('/console/')) reply.header('WWW-Authenticate', 'Basic realm="Twilio API"');
    sendError(request.url, reply.code(status), body);
  });
  app.setNotFoundHandler(async (request) => {
    throw notFound(request.url.split('?', 1)[0]!);
  });

  registerTwilioHosts(app);
  app.get('/health', async (_request, reply) => {
    const ready = deps.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', liveCalls: deps.calls.liveCount });
  });

  const auth = new Authenticator(deps.tokens);
  authenticateBeforeBody(app, auth);
  registerCallRoutes(app, auth, deps.calls, new ApiExchangeLog(deps.callEvents, deps.clock, app.log));
  registerNotificationRoutes(app, auth, deps.calls, deps.store);
  registerRecordingRoutes(app, auth, deps.calls, deps.store, deps.recordings, (accountSid, sid) => deps.conferences.fetch(accountSid, sid));
  registerTranscriptionRoutes(app, auth, deps.transcriptions);
  registerPhoneNumberRoutes(app, auth, deps.store, deps.clock);
  registerSimRoutes(app, auth, deps.calls, deps.sim, deps.messages);
  registerAssetRoutes(app);
  registerConferenceRoutes(app, auth, deps.conferences);
  registerConsoleFeedRoutes(app, auth, deps.calls, deps.events, deps.feed);
  registerMetricsRoute(app, deps.metrics);
  registerCallEventRoutes(app, auth, deps.calls, deps.callEvents);
  registerMessageRoutes(app, auth, deps.messages);
  registerQueueRoutes(app, auth, deps.queues);
  registerConsoleRoutes(app);
  return app;
}

/** Errors come in the request's format: JSON for `.json` paths and `/sim`, XML for the rest of the 2010 API. */
function sendError(url: string, reply: FastifyReply, body: { code?: number; message: string; more_info?: string; status: number }): void {
  const path = url.split('?', 1)[0]!;
  const xml = path.startsWith('/2010-04-01/') && !path.endsWith('.json');
  if (xml) reply.type('application/xml; charset=utf-8').send(errorXml(body));
  else reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
}
