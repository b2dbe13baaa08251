import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isTerminal } from '../domain/call-status.js';
import type { CallEvents } from '../ports/call-events.js';

/** What /metrics reads at each scrape; the SIP parts are absent when the SIP edge is off. */
export interface MetricsSources {
  calls: { liveCounts(): { status: string; carrier: string; count: number }[] };
  events: CallEvents;
  outbox: { backlog(): Promise<{ pending: number; oldestAgeMs: number }> };
  sip?: {
    traffic(): { messages: { received: Map<string, number>; sent: Map<string, number> }; faults: Record<string, number> };
    mediaStats(): Promise<{
      workers: { worker: number; streams: number; busy: number }[];
      total: { streams: number; sendJitterMs: { p50: number; p99: number; max: number } };
    }>;
  };
}

/** Webhook latency buckets, in seconds: from a loopback app (ms) to Twilio's 15 s timeout. */
const WEBHOOK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/**
 * The server's Prometheus metrics (text exposition format 0.0.4), in a registry of its own so
 * that servers in one process (tests, benchmarks) never share counters. Call counters follow the
 * typed call events; gauges of what is live are read at scrape time, so they cannot drift.
 */
export function createMetrics(sources: MetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_process_' }); // event-loop lag, heap, CPU

  new Gauge({
    name: 'switchboard_calls_live', help: 'Calls not yet ended, by status and carrier (none: not yet dialled)',
    labelNames: ['status', 'carrier'], registers: [registry],
    collect() {
      this.reset();
      for (const { status, carrier, count } of sources.calls.liveCounts()) this.set({ status, carrier }, count);
    },
  });
  const created = new Counter({ name: 'switchboard_calls_created_total', help: 'Calls created, by direction', labelNames: ['direction'], registers: [registry] });
  const ended = new Counter({ name: 'switchboard_calls_ended_total', help: 'Calls ended, by final status', labelNames: ['status'], registers: [registry] });
  const seen = new Set<string>();
  sources.events.on('status', ({ callSid, to, call }) => {
    if (!seen.has(callSid)) {
      seen.add(callSid);
      created.inc({ direction: call.direction });
    }
    if (isTerminal(to)) {
      seen.delete(callSid);
      ended.inc({ status: to });
    }
  });

  const latency = new Histogram({
    name: 'switchboard_webhook_duration_seconds', help: 'TwiML webhook requests, from sent to answered (or failed)',
    labelNames: ['outcome'], buckets: WEBHOOK_BUCKETS, registers: [registry],
  });
  const failures = new Counter({ name: 'switchboard_webhook_failures_total', help: 'TwiML webhook requests that failed, by Twilio error code', labelNames: ['code'], registers: [registry] });
  sources.events.on('webhook-answered', ({ ok, ms, errorCode }) => {
    latency.observe({ outcome: ok ? 'ok' : 'failed' }, ms / 1000);
    if (!ok) failures.inc({ code: String(errorCode ?? 'unknown') });
  });

  let backlog: Promise<{ pending: number; oldestAgeMs: number }> | null = null;
  const readBacklog = () => (backlog ??= sources.outbox.backlog().finally(() => setImmediate(() => (backlog = null))));
  new Gauge({
    name: 'switchboard_callback_outbox_pending', help: 'Status callbacks waiting in the durable outbox', registers: [registry],
    async collect() {
      this.set((await readBacklog()).pending);
    },
  });
  new Gauge({
    name: 'switchboard_callback_outbox_oldest_age_seconds', help: 'How long the oldest waiting status callback has waited (0: none)', registers: [registry],
    async collect() {
      this.set((await readBacklog()).oldestAgeMs / 1000);
    },
  });

  if (sources.sip) registerSipMetrics(registry, sources.sip);
  return registry;
}

function registerSipMetrics(registry: Registry, sip: NonNullable<MetricsSources['sip']>): void {
  // Counters read at scrape from the SIP edge's own counts: the transport stays free of prom-client.
  const mirrored = (name: string, help: string, labelNames: string[], read: () => Iterable<[Record<string, string>, number]>) => {
    const last = new Map<string, number>();
    new Counter({
      name, help, labelNames, registers: [registry],
      collect() {
        for (const [labels, total] of read()) {
          const key = JSON.stringify(labels);
          const delta = total - (last.get(key) ?? 0);
          if (delta > 0) this.inc(labels, delta);
          last.set(key, total);
        }
      },
    });
  };
  const byKind = (counts: Map<string, number>, kind: 'request' | 'response') =>
    [...counts].filter(([key]) => (kind === 'response') === /^\d+$/.test(key))
      .map(([key, n]) => [kind === 'request' ? { method: key } : { code: key }, n] as [Record<string, string>, number]);
  mirrored('switchboard_sip_requests_received_total', 'SIP requests received, by method', ['method'], () => byKind(sip.traffic().messages.received, 'request'));
  mirrored('switchboard_sip_requests_sent_total', 'SIP requests sent, by method', ['method'], () => byKind(sip.traffic().messages.sent, 'request'));
  mirrored('switchboard_sip_responses_received_total', 'SIP responses received, by status code', ['code'], () => byKind(sip.traffic().messages.received, 'response'));
  mirrored('switchboard_sip_responses_sent_total', 'SIP responses sent, by status code', ['code'], () => byKind(sip.traffic().messages.sent, 'response'));
  mirrored('switchboard_sip_peer_faults_total', 'Malformed or stray SIP datagrams from peers, by kind', ['kind'],
    () => Object.entries(sip.traffic().faults).map(([kind, n]) => [{ kind }, n] as [Record<string, string>, number]));

  // The media engine's figures are per window (since its previous read): one read per scrape.
  let stats: ReturnType<typeof sip.mediaStats> | null = null;
  const readStats = () => (stats ??= sip.mediaStats().finally(() => setImmediate(() => (stats = null))));
  new Gauge({
    name: 'switchboard_rtp_streams', help: 'RTP streams open in the media workers', registers: [registry],
    async collect() {
      this.set((await readStats()).total.streams);
    },
  });
  new Gauge({
    name: 'switchboard_rtp_send_jitter_seconds', help: 'Deviation of RTP send times from their 20 ms slots since the previous scrape, as quantiles',
    labelNames: ['quantile'], registers: [registry],
    async collect() {
      const { p50, p99, max } = (await readStats()).total.sendJitterMs;
      this.set({ quantile: '0.5' }, p50 / 1000);
      this.set({ quantile: '0.99' }, p99 / 1000);
      this.set({ quantile: '1' }, max / 1000);
    },
  });
  new Gauge({
    name: 'switchboard_media_worker_busy_ratio', help: 'Share of time each media worker was busy since the previous scrape',
    labelNames: ['worker'], registers: [registry],
    async collect() {
      this.reset();
      for (const worker of (await readStats()).workers) this.set({ worker: String(worker.worker) }, worker.busy);
    },
  });
}

/** `GET /metrics`: open like a Prometheus exporter (docs/compatibility.md, "Operations"). */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
