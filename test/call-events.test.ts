import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CallEvents, type CallEventMap } from '../src/ports/call-events.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

describe('CallEvents', () => {
  it('a listener that throws is logged and skipped; the others still hear the event', () => {
    const errors: object[] = [];
    const events = new CallEvents({ error: (obj) => errors.push(obj) });
    const heard: string[] = [];
    events.on('notification', () => { throw new Error('broken watcher'); });
    events.on('notification', (e) => heard.push(`all:${e.code}`));
    const stop = events.onCall('CA1', (type, e) => heard.push(`CA1:${type}:${(e as CallEventMap['notification']).code}`));
    events.emit('notification', { callSid: 'CA1', code: 12400, level: 1, message: 'x', at: 0 });
    events.emit('notification', { callSid: 'CA2', code: 11200, level: 0, message: 'y', at: 0 });
    stop();
    events.emit('notification', { callSid: 'CA1', code: 13520, level: 1, message: 'z', at: 0 });
    assert.deepEqual(heard, ['all:12400', 'CA1:notification:12400', 'all:11200', 'all:13520']);
    assert.equal(errors.length, 3);
  });
});

describe('the events of a live call', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.app.route('/ev', '<Response><Say>Hello</Say><Pause length="3600"/></Response>');
  });
  after(() => h.close());

  it('reports status changes, the webhook and its answer, and each verb as it starts and ends', async () => {
    const seen: string[] = [];
    h.server.events.on('status', () => { throw new Error('a broken console must not break the call'); });
    const call = await h.client.calls.create({ to: '+14155550170', from: '+15005550006', url: `${h.app.url}/ev` });
    const stop = h.server.events.onCall(call.sid, (type, event) => {
      const e = event as any;
      seen.push(type === 'status' ? `status:${e.to}` : type.startsWith('verb') ? `${type}:${e.verb}` : type === 'webhook-answered' ? `${type}:${e.ok}` : type);
    });
    await eventually(() => seen, (s) => s.includes('verb-started:Pause'));
    await h.client.calls(call.sid).update({ status: 'completed' });
    stop();
    // `status:queued` is the dial starting (the `initiated` event: the record changes, the status not yet).
    assert.deepEqual(seen, [
      'status:queued', 'status:ringing', 'status:in-progress', 'webhook-requested', 'webhook-answered:true',
      'verb-started:Say', 'verb-ended:Say', 'verb-started:Pause', 'verb-ended:Pause', 'status:completed',
    ]);
  });

  it('an update with Url and TimeLimit is applied in one turn: the new TwiML runs and the limit ends it', async () => {
    h.app.route('/limited', '<Response><Say>Limited</Say><Pause length="3600"/></Response>');
    const call = await h.client.calls.create({ to: '+14155550171', from: '+15005550006', url: `${h.app.url}/ev` });
    await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'in-progress');
    const turns: string[] = [];
    const stop = h.server.events.onCall(call.sid, (type, event) => { if (type === 'status') turns.push((event as any).call.config.timeLimitSec); });
    await h.client.calls(call.sid).update({ url: `${h.app.url}/limited`, timeLimit: 2 });
    assert.deepEqual(turns, [2], 'one record change carried both the new URL and the limit');
    const ended = await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed', 10_000);
    assert.ok(Number(ended.duration) <= 5);
    stop();
  });
});
