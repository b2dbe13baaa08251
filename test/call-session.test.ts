import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { CallRecord } from '../src/domain/call.js';
import { newSid } from '../src/domain/sid.js';
import { ManualClock } from '../src/ports/manual-clock.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Recordings } from '../src/recordings/recordings.js';
import { EMPTY_UPDATE } from '../src/domain/call-command.js';
import { CallEvents } from '../src/ports/call-events.js';
import { mediaAssetsAt } from '../src/ports/media-assets.js';
import { CallSession } from '../src/session/call-session.js';
import { SimNetwork } from '../src/simnet/sim-network.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { WebhookClient } from '../src/webhooks/webhook-client.js';

/**
 * The queued state lasts only until the carrier takes the call, too short to reach over HTTP;
 * these drive one CallSession directly, with real parts and a manual clock.
 */
describe('a CallSession still queued (call-lifecycle.md §3, first row)', () => {
  let store: SqliteStore;
  let clock: ManualClock;
  let sim: SimNetwork;
  let webhooks: WebhookClient;
  let released: string[];

  beforeEach(async () => {
    store = new SqliteStore(':memory:');
    await store.migrate();
    clock = new ManualClock();
    sim = new SimNetwork({ clock });
    webhooks = new WebhookClient();
    released = [];
  });
  afterEach(async () => {
    await webhooks.close();
    await store.close();
  });

  /** Lets the session's messages and store writes run (no time passes on the manual clock). */
  const settle = async (done: () => boolean) => {
    for (let i = 0; i < 100 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(done(), 'the session reached the expected state');
  };

  const queuedSession = async () => {
    const now = clock.now();
    const call: CallRecord = {
      sid: newSid('CA'), accountSid: newSid('AC'), parentCallSid: null, to: '+14155550100', from: '+15005550006',
      phoneNumberSid: null, status: 'queued', direction: 'outbound-api', dateCreated: now, dateUpdated: now,
      startTime: null, answeredAt: null, endTime: null, duration: null, answeredBy: null, forwardedFrom: null,
      callerName: null, callbackSequence: 0,
      config: {
        url: null, method: 'POST', twiml: '<Response><Pause length="60"/></Response>', fallbackUrl: null, fallbackMethod: 'POST',
        statusCallback: 'http://127.0.0.1:9/status', statusCallbackMethod: 'POST',
        statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'], timeoutSec: 60, timeLimitSec: 14400, sendDigits: null,
      },
    };
    await store.insertCall(call);
    const session = new CallSession(
      {
        store, clock, carrier: sim, fetcher: webhooks, events: new CallEvents(), outbox: { kick() {} }, log: { error() {} }, released: (s) => released.push(s.sid),
        childCalls: () => ({ place: () => Promise.reject(new Error('this test dials no children')) }),
        assets: mediaAssetsAt(() => 'http://127.0.0.1'),
        recordings: new Recordings({ store, clock, outbox: { kick() {} }, root: join(tmpdir(), 'switchboard-unused'), publicUrl: () => 'http://127.0.0.1' }),
      },
      call, '0'.repeat(32),
    );
    return session;
  };

  it('Status=canceled ends a queued call as canceled and queues no status callback', async () => {
    const session = await queuedSession();
    await session.send({ type: 'update', update: { ...EMPTY_UPDATE, status: 'canceled' } });
    assert.equal(session.snapshot().status, 'canceled');
    assert.equal((await store.getCall(session.snapshot().accountSid, session.sid))!.status, 'canceled');
    assert.deepEqual(await store.pendingCallbacks(10), []);
    assert.deepEqual(released, [session.sid]);
  });

  it('Status=completed ends a queued call as canceled, also without callbacks', async () => {
    const session = await queuedSession();
    await session.send({ type: 'update', update: { ...EMPTY_UPDATE, status: 'completed' } });
    assert.equal(session.snapshot().status, 'canceled');
    assert.equal(session.snapshot().duration, null);
    assert.deepEqual(await store.pendingCallbacks(10), []);
  });

  it('a redirect of a queued call is kept and runs once the call is answered', async () => {
    const session = await queuedSession();
    await session.send({ type: 'update', update: { ...EMPTY_UPDATE, redirect: { url: null, method: 'POST', twiml: '<Response><Say>Replaced</Say><Pause length="60"/></Response>' } } });
    assert.equal(session.snapshot().status, 'queued');
    void session.send({ type: 'dial' });
    await settle(() => session.snapshot().status === 'ringing');
    await clock.advance(1000);
    await settle(() => session.snapshot().status === 'in-progress');
    await settle(() => sim.heard(session.sid)!.heard.length > 0);
    assert.deepEqual(sim.heard(session.sid)!.heard.map((e) => e.text), ['Replaced']);
    await session.send({ type: 'update', update: { ...EMPTY_UPDATE, status: 'completed' } });
    assert.equal(session.snapshot().status, 'completed');
  });
});
