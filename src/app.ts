import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createHttpServer } from './api/http-server.js';
import { createMetrics } from './api/metrics.js';
import { logCallEvents } from './calls/call-logging.js';
import type { FeedOptions } from './api/console-feed-routes.js';
import { AccountTokens } from './calls/account-tokens.js';
import { CallEvents } from './ports/call-events.js';
import { mediaAssetsAt } from './ports/media-assets.js';
import type { RoomMixFactory } from './ports/room-mix.js';
import { ConferenceService } from './conferences/conference-service.js';
import { MessageService } from './messages/message-service.js';
import { QueueService } from './queues/queue-service.js';
import { signalMixFactory } from './conferences/signal-mix.js';
import { mixedRoomFactory } from './conferences/mixed-room-mix.js';
import { EMPTY_UPDATE } from './domain/call-command.js';
import { CallService } from './calls/call-service.js';
import { CallEventLog } from './calls/call-event-log.js';
import { isAuthToken, isSid, newSid } from './domain/sid.js';
import { SystemClock } from './ports/system-clock.js';
import type { Clock } from './ports/clock.js';
import type { Store } from './ports/store.js';
import { SimNetwork } from './simnet/sim-network.js';
import { defaultPhoneVoice } from './simnet/phone-voice.js';
import { loadGeoData } from './session/geo-params.js';
import { Recordings } from './recordings/recordings.js';
import { ffmpegTranscoder } from './recordings/transcoder.js';
import { Transcriptions } from './recordings/transcriptions.js';
import { KnownSpeechRecognizer } from './audio/known-speech-recognizer.js';
import { PocketsphinxRecognizer } from './audio/pocketsphinx-recognizer.js';
import type { Recognizer } from './ports/recognizer.js';
import { voiceParams } from './session/webhook-params.js';
import type { Tts } from './ports/tts.js';
import type { AudioToolPaths } from './audio/audio-tools.js';
import { CarrierRouter } from './calls/carrier-router.js';
import type { Carrier } from './ports/carrier.js';
import { SipClientsFile } from './sip/client-credentials.js';
import { parseTrunk } from './sip/sip-endpoints.js';
import { startSipEdge, type SipEdge } from './sip/sip-edge.js';
import type { MediaStats } from './sip/rtp/media-engine.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import { CallbackOutbox } from './webhooks/outbox.js';
import { WebhookClient } from './webhooks/webhook-client.js';
import { removeServerFile, writeServerFile } from './server-file.js';

export interface SwitchboardOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Where the SQLite database and the generated account live. */
  dataDir: string;
  /** Multiplies every wait the server times (ring, Pause, Say, Gather timeout…). */
  timeScale?: number;
  /** Bootstrap account; generated and stored in `dataDir` when absent. */
  accountSid?: string;
  authToken?: string;
  /** A pino logger, or false for none. Default: info level to stdout. */
  logger?: Logger | false;
  /** Replaces the system clock (tests). */
  clock?: Clock;
  /**
   * Renders what simulated phones say into recordings. Default: espeak-ng when the machine has
   * it, else a speech-shaped signal of the words' length (with a startup warning).
   */
  tts?: Tts;
  /** Paths of espeak-ng and ffmpeg for the simulated phones' voice, when not on PATH under those names (SIP takes `sip.audioTools`). */
  audioTools?: AudioToolPaths;
  /** Makes each conference room's mix; default: the signal-level mix of simulated phones (conferences/signal-mix.ts). */
  roomMix?: RoomMixFactory;
  /**
   * Transcribes `<Record transcribe>` recordings. Default: a simulated phone's words as it said
   * them, and pocketsphinx (`recognizerTools.pocketsphinx`) for SIP recordings.
   */
  recognizer?: Recognizer;
  /** Paths of `pocketsphinx_continuous` and ffmpeg for the default offline recognizer. */
  recognizerTools?: { pocketsphinx?: string; ffmpeg?: string };
  /** Enables the SIP/RTP edge (off by default: the simulated network needs nothing but Node). */
  sip?: SipOptions;
  /** Tuning of the console's live event feed (history kept for resume, per-client buffer, keep-alive). */
  feed?: FeedOptions;
}

export interface SipOptions {
  /** Address for SIP and RTP; default 127.0.0.1. */
  host?: string;
  /** UDP port for SIP (0 picks a free one). */
  port: number;
  /** Inclusive RTP port range; default 10000-20000. */
  rtpPorts?: [number, number];
  /** `sip:[user[:password]@]host[:port]`: where calls to phone numbers go. */
  trunk?: string;
  /**
   * A JSON file `{"alice": "password", …}` of the SIP clients that may REGISTER and be called as
   * `client:alice`; read again when it changes.
   */
  clients?: string;
  /** Hang up a call whose far end sent no RTP for this long; default 60 s, 0 = never. */
  rtpTimeoutMs?: number;
  /** Media worker threads; default one per core. */
  mediaWorkers?: number;
  /** Paths of espeak-ng and ffmpeg when they are not on PATH under those names. */
  audioTools?: { espeak?: string; ffmpeg?: string };
}

export interface Switchboard {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly accountSid: string;
  readonly authToken: string;
  /** True when the account was generated by this start (the CLI prints it once). */
  readonly accountGenerated: boolean;
  readonly sim: SimNetwork;
  /** Where SIP reaches this server, when the SIP edge is on. */
  readonly sip: SipEdge['address'] | undefined;
  readonly calls: CallService;
  readonly messages: MessageService;
  /** Typed events of every call (status changes, verbs, webhooks, notifications, bridges). */
  readonly events: CallEvents;
  /** The SIP edge's media load since the previous call (see MediaEngine.stats); undefined when SIP is off. */
  mediaStats(): Promise<MediaStats | undefined>;
  /** Drains: refuses new requests, hangs up live calls, delivers what it can, closes the store. */
  close(): Promise<void>;
}

/** With SIP on, rooms mix SIP legs as PCM in the media workers and link simulated legs to them. */
function roomMixFor(clock: Clock, sipEdge: SipEdge | undefined): RoomMixFactory {
  return sipEdge ? mixedRoomFactory(clock, () => sipEdge.roomMix()) : signalMixFactory(clock);
}

/** How long shutdown waits for queued status callbacks before leaving them to the next start. */
const DRAIN_GRACE_MS = 5000;

/** The one place where adapters are wired to the core (design.md: `app.ts`). */
export async function startSwitchboard(options: SwitchboardOptions): Promise<Switchboard> {
  mkdirSync(options.dataDir, { recursive: true });
  const logger = options.logger === undefined ? pino({ level: 'info' }) : options.logger;
  const log = logger || pino({ enabled: false });
  const clock = options.clock ?? new SystemClock(options.timeScale ?? 1);
  const store = new SqliteStore(join(options.dataDir, 'switchboard.db'));
  await store.migrate();

  loadGeoData(); // once, here, so that no call's first webhook waits for it
  const account = bootstrapAccount(options);
  await store.putAccount({ sid: account.accountSid, authToken: account.authToken, friendlyName: 'Switchboard', dateCreated: clock.now() });

  const webhooks = new WebhookClient();
  const tokens = new AccountTokens(store);
  const events = new CallEvents(log);
  const outbox = new CallbackOutbox({ store, client: webhooks, clock, authTokenFor: (sid) => tokens.get(sid), log, events });
  const sim = new SimNetwork({ clock, tts: options.tts ?? (await phoneVoice(options, log)) });
  // RecordingUrl is absolute: the address is known once the HTTP server listens, before any call.
  let publicUrl = '';
  const transcriptions = new Transcriptions({
    store, clock, outbox, publicUrl: () => publicUrl, callParams: (call) => voiceParams(call),
    recognizer: options.recognizer ?? new KnownSpeechRecognizer(new PocketsphinxRecognizer({
      pocketsphinx: options.recognizerTools?.pocketsphinx, ffmpeg: options.recognizerTools?.ffmpeg ?? options.sip?.audioTools?.ffmpeg,
    })),
  });
  const recordings = new Recordings({
    store, clock, outbox, root: join(options.dataDir, 'recordings'), publicUrl: () => publicUrl,
    transcoder: ffmpegTranscoder(options.sip?.audioTools?.ffmpeg), transcriptions,
  });
  const sipEdge = options.sip ? await startSip(options.sip, clock, log) : undefined;
  const carrier: Carrier = sipEdge ? new CarrierRouter([sipEdge.carrier], sim) : sim;
  const assets = mediaAssetsAt(() => publicUrl);
  const conferences: ConferenceService = new ConferenceService({
    store: store.conferences, clock, outbox, events, assets, recordings, mix: options.roomMix ?? roomMixFor(clock, sipEdge), log,
    calls: () => ({ create: (accountSid, request) => calls.create(accountSid, request), hangup: (accountSid, sid) => calls.update(accountSid, sid, { ...EMPTY_UPDATE, status: 'completed' }).then(() => {}) }),
  });
  const queues: QueueService = new QueueService({
    store: store.queues, clock, events,
    calls: () => ({ redirect: (accountSid, sid, url, method) => calls.update(accountSid, sid, { ...EMPTY_UPDATE, redirect: { url, method, twiml: null } }).then(() => {}) }),
  });
  const calls: CallService = new CallService({ store, clock, carrier, fetcher: webhooks, events, outbox, log, tokens, recordings, assets, conferences, queues });
    // Each call's Events subresource, written from the events hub.
  const eventLog = new CallEventLog(events, store, (sid) => calls.accountOf(sid), log);
  const messages = new MessageService({ store: store.messages, numbers: store, clock, outbox, carrier: sim.texts, fetcher: webhooks, tokens, log });

  const closed = await calls.closeOrphanedCalls();
  await conferences.closeOrphaned();
  if (closed > 0) log.warn({ closed }, 'closed calls left live by an earlier stop');
  const closedRecordings = await recordings.closeUnfinished();
  if (closedRecordings > 0) log.warn({ closedRecordings }, 'closed recordings left in progress by an earlier stop');
  const resumed = await messages.resumeUnfinished();
  if (resumed > 0) log.warn({ resumed }, 'resumed messages left unsent by an earlier stop');
  const failedTranscriptions = await transcriptions.closeUnfinished();
  if (failedTranscriptions > 0) log.warn({ failedTranscriptions }, 'transcriptions left in progress by an earlier stop ended failed');
  outbox.start();

  let ready = false;
  logCallEvents(events, log.child({ component: 'calls' }));
  const metrics = createMetrics({ calls, events, outbox, sip: sipEdge });
  const http = createHttpServer({
    store, clock, calls, conferences, queues, sim, tokens, recordings, transcriptions: store, messages, events, feed: options.feed, callEvents: store, metrics,
    logger: logger === false ? false : logger.child({ component: 'http' }), isReady: () => ready,
  });
  const address = await http.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
  const url = address.replace('[::1]', '127.0.0.1');
  publicUrl = url;
  ready = true;
  // Announces the address to the CLI (`switchboard calls …` with no flags); see server-file.ts.
  writeServerFile(options.dataDir, { url, accountSid: account.accountSid, pid: process.pid });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      ready = false;
      await calls.hangupAll();
      messages.close();
      await http.close();
      removeServerFile(options.dataDir, url);
      await sipEdge?.close();
      await transcriptions.stop();
      await deliverPending(store, DRAIN_GRACE_MS);
      await outbox.stop();
      await webhooks.close();
      eventLog.close();
      await store.close();
    })());

  const mediaStats = async () => sipEdge?.mediaStats();
  return { url, ...account, sim, sip: sipEdge?.address, calls, messages, events, mediaStats, close };
}

/** The simulated phones' default voice, with a startup warning when it cannot be espeak-ng. */
async function phoneVoice(options: SwitchboardOptions, log: Logger): Promise<Tts> {
  const voice = await defaultPhoneVoice(options.audioTools ?? options.sip?.audioTools);
  if (voice.warning) log.warn(voice.warning);
  return voice.tts;
}

const DEFAULT_RTP_PORTS: [number, number] = [10000, 20000];
const DEFAULT_RTP_TIMEOUT_MS = 60_000;

function startSip(sip: SipOptions, clock: Clock, log: Logger): Promise<SipEdge> {
  return startSipEdge({
    host: sip.host ?? '127.0.0.1',
    port: sip.port,
    rtpPorts: sip.rtpPorts ?? DEFAULT_RTP_PORTS,
    trunk: sip.trunk ? parseTrunk(sip.trunk) : undefined,
    clients: sip.clients ? new SipClientsFile(sip.clients, clock, log) : undefined,
    rtpTimeoutMs: sip.rtpTimeoutMs ?? DEFAULT_RTP_TIMEOUT_MS,
    mediaWorkers: sip.mediaWorkers,
    audioTools: sip.audioTools,
    clock,
    log: log.child({ component: 'sip' }),
  });
}

/**
 * Gives the outbox up to `graceMs` of real time (not scaled: this is shutdown, not a call) to
 * deliver what is queued; whatever is left stays in the store for the next start.
 */
async function deliverPending(store: Store, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await store.pendingCallbacks(1)).length > 0) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The bootstrap account: from the options (the CLI passes `SWITCHBOARD_ACCOUNT_SID` and
 * `SWITCHBOARD_AUTH_TOKEN`), else the one stored in the data dir, else a new one.
 */
function bootstrapAccount(options: SwitchboardOptions): { accountSid: string; authToken: string; accountGenerated: boolean } {
  if (options.accountSid || options.authToken) {
    if (!isSid('AC', options.accountSid)) throw new Error('The account SID must be AC followed by 32 hex digits');
    if (!isAuthToken(options.authToken)) throw new Error('The auth token must be 32 hex digits');
    return { accountSid: options.accountSid, authToken: options.authToken, accountGenerated: false };
  }
  const file = join(options.dataDir, 'account.json');
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { accountSid: string; authToken: string };
    if (isSid('AC', saved.accountSid) && isAuthToken(saved.authToken)) return { ...saved, accountGenerated: false };
  } catch {
    // No saved account yet: generate one below.
  }
  const generated = { accountSid: newSid('AC'), authToken: randomBytes(16).toString('hex') };
  writeFileSync(file, JSON.stringify(generated, null, 2) + '\n', { mode: 0o600 });
  return { ...generated, accountGenerated: true };
}
