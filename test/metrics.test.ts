import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { parsePrometheus, type Exposition } from './helpers/prometheus.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';

describe('GET /metrics (Prometheus text format)', () => {
  let h: Harness;
  before(async () => {
    const rtp = await freeUdpRange(20);
    h = await startHarness({ sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0, mediaWorkers: 1 } });
    h.app.route('/hold', '<Response><Pause length="3600"/></Response>').route('/broken', () => ({ status: 500, body: 'oops' }));
  });
  after(() => h.close());

  const scrape = async (): Promise<Exposition> => {
    const response = await fetch(`${h.server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parsePrometheus(await response.text());
  };

  it('is well formed, typed, and carries the process metrics (event-loop lag among them)', async () => {
    const metrics = await scrape();
    for (const [name, type] of [['switchboard_calls_live', 'gauge'], ['switchboard_calls_created_total', 'counter'], ['switchboard_webhook_duration_seconds', 'histogram'],
      ['switchboard_callback_outbox_pending', 'gauge'], ['switchboard_callback_outbox_oldest_age_seconds', 'gauge'], ['switchboard_rtp_streams', 'gauge'],
      ['switchboard_sip_requests_received_total', 'counter'], ['switchboard_media_worker_busy_ratio', 'gauge'], ['switchboard_process_nodejs_eventloop_lag_seconds', 'gauge']] as const) {
      assert.equal(metrics.types.get(name.replace(/_total$/, '')) ?? metrics.types.get(name), type, name);
    }
  });

  it('live calls, created and ended calls and webhook latency move with a call', async () => {
    const before = await scrape();
    const call = await h.client.calls.create({ to: '+15558670001', from: '+15005550006', url: `${h.app.url}/hold` });
    await h.app.waitFor('/hold', (r) => r.params.CallSid === call.sid);
    const during = await eventually(scrape, (m) => (m.value('switchboard_calls_live', { status: 'in-progress', carrier: 'sim' }) ?? 0) >= 1);
    assert.equal(during.sum('switchboard_calls_created_total', { direction: 'outbound-api' }) - before.sum('switchboard_calls_created_total', { direction: 'outbound-api' }), 1);
    assert.ok(during.sum('switchboard_webhook_duration_seconds_count', { outcome: 'ok' }) > before.sum('switchboard_webhook_duration_seconds_count', { outcome: 'ok' }));
    await h.client.calls(call.sid).update({ status: 'completed' });
    const afterwards = await eventually(scrape, (m) => m.sum('switchboard_calls_ended_total', { status: 'completed' }) > before.sum('switchboard_calls_ended_total', { status: 'completed' }));
    assert.equal(afterwards.value('switchboard_calls_live', { status: 'in-progress', carrier: 'sim' }) ?? 0, 0);
  });

  it('a failing webhook counts as a failure by its Twilio code', async () => {
    const before = (await scrape()).sum('switchboard_webhook_failures_total', { code: '11200' });
    await h.client.calls.create({ to: '+15558670002', from: '+15005550006', url: `${h.app.url}/broken` });
    await eventually(scrape, (m) => m.sum('switchboard_webhook_failures_total', { code: '11200' }) === before + 1);
  });

  it('SIP requests and responses are counted by method and code', async () => {
    const port = h.server.sip!.port;
    const before = await scrape();
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const answered = new Promise((resolve) => socket.once('message', resolve));
    socket.send([`OPTIONS sip:switchboard@127.0.0.1:${port} SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKmetrics', 'Max-Forwards: 70',
      'From: <sip:probe@127.0.0.1>;tag=m1', `To: <sip:switchboard@127.0.0.1:${port}>`, 'Call-ID: metrics@127.0.0.1', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n'), port, '127.0.0.1');
    await answered;
    socket.close();
    const afterwards = await scrape();
    const delta = (name: string, labels: Record<string, string>) => afterwards.sum(name, labels) - before.sum(name, labels);
    assert.equal(delta('switchboard_sip_requests_received_total', { method: 'OPTIONS' }), 1);
    assert.equal(delta('switchboard_sip_responses_sent_total', { code: '200' }), 1);
  });
});
