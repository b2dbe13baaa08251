import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import type { CallRecord } from '../src/domain/call.js';
import { newSid } from '../src/domain/sid.js';
import { SystemClock } from '../src/ports/system-clock.js';
import type { NewCallback, Store } from '../src/ports/store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { CallbackOutbox, type CallbackOutboxDeps } from '../src/webhooks/outbox.js';
import { WebhookClient } from '../src/webhooks/webhook-client.js';

const TOKEN = '0123456789abcdef0123456789abcdef';
const ACCOUNT = newSid('AC');
/** Call time runs 1000× faster, so the default backoff (1 s, 2 s, 4 s…) takes milliseconds. */
const FAST = new SystemClock(0.001);

interface Delivery {
  path: string;
  callSid: string;
  seq: number;
  status: number;
  signatureValid: boolean;
}

/** A stand-in app that answers `respond(path, seq, nthRequestForThisCallback)` and records each callback. */
async function startApp(respond: (path: string, seq: number, attempt: number) => number | Promise<number> = () => 204) {
  const deliveries: Delivery[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', async () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const { port } = server.address() as AddressInfo;
      const attempt = deliveries.filter((d) => d.callSid === params.CallSid && d.seq === Number(params.SequenceNumber)).length + 1;
      const delivery: Delivery = {
        path: req.url!,
        callSid: params.CallSid,
        seq: Number(params.SequenceNumber),
        status: 0,
        signatureValid: twilio.validateRequest(TOKEN, String(req.headers['x-twilio-signature']), `http://127.0.0.1:${port}${req.url}`, params),
      };
      deliveries.push(delivery);
      delivery.status = await respond(req.url!, delivery.seq, attempt);
      res.writeHead(delivery.status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function makeCall(): CallRecord {
  return {
    sid: newSid('CA'), accountSid: ACCOUNT, parentCallSid: null, to: '+15550000000', from: '+15551111111',
    phoneNumberSid: null, status: 'completed', direction: 'outbound-api', dateCreated: 1000, dateUpdated: 1000,
    startTime: null, answeredAt: null, endTime: null, duration: null, answeredBy: null, forwardedFrom: null,
    callerName: null, callbackSequence: 0,
    config: {
      url: null, method: 'POST', twiml: '<Response/>', fallbackUrl: null, fallbackMethod: 'POST', statusCallback: null,
      statusCallbackMethod: 'POST', statusCallbackEvents: ['completed'], timeoutSec: 60, timeLimitSec: 14400, sendDigits: null,
    },
  };
}

/** Saves a call with status callbacks numbered 0..n-1 to `url`, the way a session queues them. */
async function queueCallbacks(store: Store, url: string, n: number, call = makeCall()): Promise<CallRecord> {
  const callbacks: NewCallback[] = Array.from({ length: n }, (_, seq) => ({
    callSid: call.sid, accountSid: call.accountSid, sequenceNumber: seq, url, method: 'POST',
    params: { CallSid: call.sid, AccountSid: call.accountSid, SequenceNumber: String(seq), CallStatus: 'completed' },
  }));
  await store.saveCall(call, callbacks);
  return call;
}

async function openStore(path = ':memory:'): Promise<SqliteStore> {
  const store = new SqliteStore(path);
  await store.migrate();
  return store;
}

function makeOutbox(store: Store, client: WebhookClient, overrides: Partial<CallbackOutboxDeps> = {}): CallbackOutbox {
  return new CallbackOutbox({ store, client, clock: FAST, authTokenFor: async () => TOKEN, ...overrides });
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const seqsOf = (deliveries: Delivery[], call: CallRecord) => deliveries.filter((d) => d.callSid === call.sid).map((d) => [d.seq, d.status]);

test('callbacks of one call are delivered in SequenceNumber order even when seq 0 fails once', async () => {
  // Seq 0 of call A is slow and then fails, so seq 1 and 2 would overtake it if order were not kept.
  const app = await startApp(async (path, seq, attempt) => {
    if (path === '/a' && seq === 0 && attempt === 1) {
      await new Promise((r) => setTimeout(r, 30));
      return 500;
    }
    return 204;
  });
  const store = await openStore();
  const client = new WebhookClient();
  const outbox = makeOutbox(store, client);
  try {
    await outbox.start();
    const a = await queueCallbacks(store, `${app.base}/a`, 1);
    const b = await queueCallbacks(store, `${app.base}/b`, 2);
    await store.saveCall(a, [1, 2].map((seq) => ({
      callSid: a.sid, accountSid: ACCOUNT, sequenceNumber: seq, url: `${app.base}/a`, method: 'POST' as const,
      params: { CallSid: a.sid, SequenceNumber: String(seq), CallStatus: 'completed' },
    })));
    outbox.kick();
    await until('every callback delivered', async () => (await store.pendingCallbacks(10)).length === 0);
    assert.deepEqual(seqsOf(app.deliveries, a), [[0, 500], [0, 204], [1, 204], [2, 204]]);
    assert.deepEqual(seqsOf(app.deliveries, b), [[0, 204], [1, 204]]);
    assert.ok(app.deliveries.every((d) => d.signatureValid), 'every callback is signed with the account token');
    // Call B was not held back by call A's retry.
    const firstRetryOfA = app.deliveries.findIndex((d) => d.callSid === a.sid && d.status === 204);
    assert.ok(app.deliveries.findIndex((d) => d.callSid === b.sid) < firstRetryOfA);
  } finally {
    await outbox.stop();
    await client.close();
    await store.close();
    await app.close();
  }
});

test('a callback that keeps failing is retried, then abandoned with a 15003 warning, and the next one goes out', async () => {
  const app = await startApp((path) => (path === '/down' ? 503 : 204));
  const store = await openStore();
  const client = new WebhookClient();
  const outbox = makeOutbox(store, client, { maxAttempts: 3 });
  try {
    const call = await queueCallbacks(store, `${app.base}/down`, 1);
    await store.saveCall(call, [{
      callSid: call.sid, accountSid: ACCOUNT, sequenceNumber: 1, url: `${app.base}/up`, method: 'POST',
      params: { CallSid: call.sid, SequenceNumber: '1', CallStatus: 'completed' },
    }]);
    await outbox.start();
    await until('the queue to drain', async () => (await store.pendingCallbacks(10)).length === 0);
    assert.deepEqual(seqsOf(app.deliveries, call), [[0, 503], [0, 503], [0, 503], [1, 204]]);
    const notes = await store.listNotifications(ACCOUNT, call.sid);
    assert.equal(notes.length, 1);
    assert.equal(notes[0].errorCode, 15003);
    assert.equal(notes[0].log, 1);
    assert.equal(notes[0].requestUrl, `${app.base}/down`);
    assert.equal(notes[0].requestMethod, 'POST');
    assert.match(notes[0].messageText, /3 attempts: HTTP 503 Service Unavailable/);
  } finally {
    await outbox.stop();
    await client.close();
    await store.close();
    await app.close();
  }
});

test('callbacks queued before a restart, including one waiting out a backoff, are delivered by start()', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-outbox-'));
  const path = join(dir, 'switchboard.db');
  const app = await startApp((path, _seq, attempt) => (path === '/flaky' && attempt === 1 ? 500 : 204));
  const client = new WebhookClient();
  try {
    // First life: one callback fails once and is put on a one-minute backoff; another is queued
    // but never attempted. Then the process "crashes" (no drain of the backoff).
    const first = await openStore(path);
    const waiting = await queueCallbacks(first, `${app.base}/flaky`, 1);
    const before = makeOutbox(first, client, { clock: new SystemClock(1), backoffMs: () => 60_000 });
    await before.start();
    await until('the first attempt', () => app.deliveries.length === 1);
    await before.stop();
    const [row] = await first.pendingCallbacks(10);
    assert.equal(row.attempts, 1);
    const never = await queueCallbacks(first, `${app.base}/later`, 2);
    await first.close();

    // Second life: a new store and outbox on the same file. Call time runs fast, so the rest of
    // the backoff passes in a blink.
    const second = await openStore(path);
    const after = makeOutbox(second, client, { backoffMs: () => 60_000 });
    try {
      await after.start();
      await until('the queue to drain', async () => (await second.pendingCallbacks(10)).length === 0);
      assert.deepEqual(seqsOf(app.deliveries, waiting), [[0, 500], [0, 204]]);
      assert.deepEqual(seqsOf(app.deliveries, never), [[0, 204], [1, 204]]);
    } finally {
      await after.stop();
      await second.close();
    }
  } finally {
    await client.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stop() waits for a delivery in flight and leaves the rest pending', async () => {
  const app = await startApp(async () => {
    await new Promise((r) => setTimeout(r, 100));
    return 204;
  });
  const store = await openStore();
  const client = new WebhookClient();
  const outbox = makeOutbox(store, client);
  try {
    await queueCallbacks(store, `${app.base}/slow`, 2);
    await outbox.start();
    await until('the first request to arrive', () => app.deliveries.length === 1);
    await outbox.stop();
    const pending = await store.pendingCallbacks(10);
    assert.deepEqual(pending.map((p) => p.sequenceNumber), [1], 'seq 0 was delivered before stop() resolved');
    assert.equal(app.deliveries.length, 1);
  } finally {
    await outbox.stop();
    await client.close();
    await store.close();
    await app.close();
  }
});

test('many kicks in one tick cause a single scan of the store', async () => {
  const store = await openStore();
  let scans = 0;
  const counting = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'pendingCallbacks') return (limit: number) => (scans++, target.pendingCallbacks(limit));
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const client = new WebhookClient();
  const outbox = makeOutbox(counting, client);
  try {
    await outbox.start();
    assert.equal(scans, 1);
    for (let i = 0; i < 10; i++) outbox.kick();
    await new Promise((r) => setImmediate(r));
    assert.equal(scans, 2);
  } finally {
    await outbox.stop();
    await client.close();
    await store.close();
  }
});
