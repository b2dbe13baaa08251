import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { CallRecord, NotificationRecord, PhoneNumberRecord } from '../domain/call.js';
import type { RecordingRecord } from '../domain/recording.js';
import { newSid } from '../domain/sid.js';
import type { CallFilter, NewCallback, PageRequest, RecordingFilter, Store } from './store.js';

/** Options for adapters whose state outlives a Store instance (files, servers). */
export interface StoreContractOptions {
  /**
   * Opens a new Store on the same data as `closed`, which the suite has already closed.
   * When given, the suite checks that state survives reopening.
   */
  reopen?: (closed: Store) => Promise<Store>;
}

/**
 * The Store port's one contract suite (design.md: every adapter passes it).
 *
 * @param makeStore returns a fresh, empty, not yet migrated store; the suite migrates it
 *   and closes it after each test.
 */
export function runStoreContract(name: string, makeStore: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    const open: Store[] = [];
    const fresh = async (): Promise<Store> => {
      const store = await makeStore();
      open.push(store);
      await store.migrate();
      return store;
    };
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
    });

    describe('lifecycle', () => {
      it('migrate is idempotent and keeps existing data', async () => {
        const store = await fresh();
        const call = makeCall();
        await store.insertCall(call);
        await store.migrate();
        assert.deepEqual(await store.getCall(ACCOUNT, call.sid), call);
      });

      it('state survives reopening the same store', { skip: options.reopen ? false : 'adapter has no reopen' }, async () => {
        const store = await fresh();
        const call = makeCall();
        await store.putAccount({ sid: ACCOUNT, authToken: 'a'.repeat(32), friendlyName: 'main', dateCreated: 1 });
        await store.saveCall(call, [makeCallback(call)]);
        await store.insertPhoneNumber(makeNumber());
        await store.close();
        open.splice(open.indexOf(store), 1);
        const reopened = await options.reopen!(store);
        open.push(reopened);
        await reopened.migrate();
        assert.equal((await reopened.getAccount(ACCOUNT))?.friendlyName, 'main');
        assert.deepEqual(await reopened.getCall(ACCOUNT, call.sid), call);
        assert.equal((await reopened.pendingCallbacks(10)).length, 1);
        assert.equal((await reopened.findPhoneNumber('+15550001000'))?.accountSid, ACCOUNT);
      });
    });

    describe('accounts', () => {
      it('putAccount inserts an account and then replaces it (auth token rotation)', async () => {
        const store = await fresh();
        assert.equal(await store.getAccount(ACCOUNT), null);
        const account = { sid: ACCOUNT, authToken: 'a'.repeat(32), friendlyName: 'main', dateCreated: 1000 };
        await store.putAccount(account);
        assert.deepEqual(await store.getAccount(ACCOUNT), account);
        await store.putAccount({ ...account, authToken: 'b'.repeat(32) });
        assert.equal((await store.getAccount(ACCOUNT))?.authToken, 'b'.repeat(32));
      });
    });

    describe('calls', () => {
      it('insertCall stores every field and getCall returns it unchanged', async () => {
        const store = await fresh();
        const full = makeCall({
          parentCallSid: newSid('CA'), phoneNumberSid: newSid('PN'), status: 'completed', startTime: 10, answeredAt: 20,
          endTime: 5020, duration: 5, answeredBy: 'human', forwardedFrom: '+15550009999', callerName: 'Ada',
          callbackSequence: 4, config: { ...CONFIG, url: null, twiml: '<Response><Say>hi</Say></Response>', statusCallbackEvents: ['answered', 'completed'] },
        });
        const sparse = makeCall();
        await store.insertCall(full);
        await store.insertCall(sparse);
        assert.deepEqual(await store.getCall(ACCOUNT, full.sid), full);
        assert.deepEqual(await store.getCall(ACCOUNT, sparse.sid), sparse);
        assert.equal(await store.getCall(ACCOUNT, newSid('CA')), null);
      });

      it('insertCall rejects a sid that is already stored', async () => {
        const store = await fresh();
        const call = makeCall();
        await store.insertCall(call);
        await assert.rejects(store.insertCall({ ...call, to: '+15550000001' }));
        assert.equal((await store.getCall(ACCOUNT, call.sid))?.to, call.to);
      });

      it('a call of another account is not found, listed, nor deleted', async () => {
        const store = await fresh();
        const call = makeCall();
        await store.insertCall(call);
        assert.equal(await store.getCall(OTHER, call.sid), null);
        assert.deepEqual(await store.listCalls({ accountSid: OTHER }, { limit: 10 }), []);
        assert.equal(await store.deleteCall(OTHER, call.sid), false);
        assert.ok(await store.getCall(ACCOUNT, call.sid));
      });

      it('saveCall updates a call and keeps its place in creation order, or inserts a new one', async () => {
        const store = await fresh();
        const [a, b] = await insertCalls(store, 2);
        const updated: CallRecord = { ...a, status: 'in-progress', dateUpdated: 99, startTime: 50, answeredAt: 60, callbackSequence: 2 };
        await store.saveCall(updated);
        assert.deepEqual(await store.getCall(ACCOUNT, a.sid), updated);
        const c = makeCall();
        await store.saveCall(c);
        assert.deepEqual(sids(await store.listCalls({ accountSid: ACCOUNT }, { limit: 10 })), [c.sid, b.sid, a.sid]);
        assert.deepEqual(await store.getCall(ACCOUNT, c.sid), c);
      });

      it('saveCall queues callbacks in the same write as the status', async () => {
        const store = await fresh();
        const call = makeCall();
        await store.insertCall(call);
        const ringing = { ...call, status: 'ringing' as const, callbackSequence: 2 };
        await store.saveCall(ringing, [makeCallback(call, 0, 'initiated'), makeCallback(call, 1, 'ringing')]);
        assert.equal((await store.getCall(ACCOUNT, call.sid))?.status, 'ringing');
        const queued = await store.pendingCallbacks(10);
        assert.deepEqual(queued.map((q) => q.params.CallStatus), ['initiated', 'ringing']);
        assert.deepEqual(await store.pendingCallbacks(10), queued, 'reading the queue does not consume it');
        assert.deepEqual(await store.callbackBacklog(), { pending: 2, oldestId: queued[0]!.id });
        await store.markCallbackDelivered(queued[0]!.id);
        assert.deepEqual(await store.callbackBacklog(), { pending: 1, oldestId: queued[1]!.id });
        await store.markCallbackFailed(queued[1]!.id, null);
        assert.deepEqual(await store.callbackBacklog(), { pending: 0, oldestId: null });
      });

      it('saveCall writes neither the call nor any callback when one callback cannot be stored', async () => {
        const store = await fresh();
        const call = makeCall();
        await store.insertCall(call);
        const broken = { ...makeCallback(call, 1), url: null as unknown as string };
        await assert.rejects(store.saveCall({ ...call, status: 'ringing' }, [makeCallback(call, 0), broken]));
        assert.equal((await store.getCall(ACCOUNT, call.sid))?.status, 'queued');
        assert.deepEqual(await store.pendingCallbacks(10), []);
      });

      it('deleteCall removes the call with its notifications and reports whether it existed', async () => {
        const store = await fresh();
        const call = makeCall();
        await store.insertCall(call);
        await store.insertNotification(makeNotification(call.sid));
        assert.equal(await store.deleteCall(ACCOUNT, call.sid), true);
        assert.equal(await store.getCall(ACCOUNT, call.sid), null);
        assert.deepEqual(await store.listNotifications(ACCOUNT, call.sid), []);
        assert.equal(await store.deleteCall(ACCOUNT, call.sid), false);
      });

      it('listLiveCalls returns queued, ringing and in-progress calls of every account', async () => {
        const store = await fresh();
        const statuses = ['queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'] as const;
        for (const status of statuses) await store.insertCall(makeCall({ status, to: status }));
        await store.insertCall(makeCall({ accountSid: OTHER, status: 'ringing', to: 'other' }));
        const live = (await store.listLiveCalls()).map((c) => c.to).sort();
        assert.deepEqual(live, ['in-progress', 'other', 'queued', 'ringing']);
      });
    });

    describe('listing calls', () => {
      it('listCalls pages newest first and continues after a PageToken sid', async () => {
        const store = await fresh();
        const calls = await insertCalls(store, 5); // c0 oldest … c4 newest
        const all = { accountSid: ACCOUNT };
        const first = await store.listCalls(all, { limit: 2 });
        assert.deepEqual(sids(first), sids([calls[4], calls[3]]));
        const second = await store.listCalls(all, { limit: 2, afterSid: first[1].sid });
        assert.deepEqual(sids(second), sids([calls[2], calls[1]]));
        const last = await store.listCalls(all, { limit: 2, afterSid: second[1].sid });
        assert.deepEqual(sids(last), sids([calls[0]]));
      });

      it('listCalls with beforeSid returns the page just newer than it, still newest first', async () => {
        const store = await fresh();
        const calls = await insertCalls(store, 5);
        const page = await store.listCalls({ accountSid: ACCOUNT }, { limit: 2, beforeSid: calls[1].sid });
        assert.deepEqual(sids(page), sids([calls[3], calls[2]]));
        const top = await store.listCalls({ accountSid: ACCOUNT }, { limit: 5, beforeSid: calls[3].sid });
        assert.deepEqual(sids(top), sids([calls[4]]));
      });

      it('listCalls skips offset calls when no sid is given', async () => {
        const store = await fresh();
        const calls = await insertCalls(store, 5);
        const page = await store.listCalls({ accountSid: ACCOUNT }, { limit: 2, offset: 2 });
        assert.deepEqual(sids(page), sids([calls[2], calls[1]]));
        assert.deepEqual(await store.listCalls({ accountSid: ACCOUNT }, { limit: 2, offset: 5 }), []);
      });

      it('listCalls returns an empty page for an unknown or foreign page sid', async () => {
        const store = await fresh();
        await insertCalls(store, 3);
        const foreign = makeCall({ accountSid: OTHER });
        await store.insertCall(foreign);
        for (const sid of [newSid('CA'), foreign.sid]) {
          assert.deepEqual(await store.listCalls({ accountSid: ACCOUNT }, { limit: 10, afterSid: sid }), []);
          assert.deepEqual(await store.listCalls({ accountSid: ACCOUNT }, { limit: 10, beforeSid: sid }), []);
        }
      });

      it('listCalls filters exactly by to, from, status and parentCallSid', async () => {
        const store = await fresh();
        const parent = makeCall({ to: '+15550000001', from: '+15550000002', status: 'in-progress' });
        const child = makeCall({ to: '+15550000003', from: '+15550000001', parentCallSid: parent.sid, direction: 'outbound-dial' });
        const other = makeCall({ to: '+155500000011', from: '+15550000002', status: 'completed' });
        for (const c of [parent, child, other]) await store.insertCall(c);
        const list = async (f: Omit<CallFilter, 'accountSid'>) => sids(await store.listCalls({ accountSid: ACCOUNT, ...f }, { limit: 10 }));
        assert.deepEqual(await list({ to: '+15550000001' }), [parent.sid]);
        assert.deepEqual(await list({ from: '+15550000002' }), [other.sid, parent.sid]);
        assert.deepEqual(await list({ status: 'in-progress' }), [parent.sid]);
        assert.deepEqual(await list({ status: 'ringing' }), []);
        assert.deepEqual(await list({ parentCallSid: parent.sid }), [child.sid]);
        assert.deepEqual(await list({ from: '+15550000002', status: 'completed' }), [other.sid], 'filters combine with AND');
      });

      it('listCalls time ranges are half-open and never match a null time', async () => {
        const store = await fresh();
        const at = (start: number | null, end: number | null) => makeCall({ startTime: start, endTime: end, to: `${start}/${end}` });
        for (const c of [at(null, null), at(100, 150), at(200, null), at(300, 400)]) await store.insertCall(c);
        const list = async (f: Omit<CallFilter, 'accountSid'>) =>
          (await store.listCalls({ accountSid: ACCOUNT, ...f }, { limit: 10 })).map((c) => c.to);
        assert.deepEqual(await list({ startTime: { gte: 100, lt: 300 } }), ['200/null', '100/150']);
        assert.deepEqual(await list({ startTime: { gte: 200 } }), ['300/400', '200/null']);
        assert.deepEqual(await list({ startTime: { lt: 200 } }), ['100/150']);
        assert.deepEqual(await list({ startTime: {} }), ['300/400', '200/null', '100/150']);
        assert.deepEqual(await list({ endTime: { gte: 150, lt: 400 } }), ['100/150']);
        assert.deepEqual(await list({ endTime: { lt: 1000 } }), ['300/400', '100/150']);
        assert.deepEqual(await list({ startTime: { gte: 100 }, endTime: { gte: 400 } }), ['300/400']);
      });

      it('listCalls pages within the filtered list', async () => {
        const store = await fresh();
        const calls = await insertCalls(store, 6, (i) => ({ status: i % 2 === 0 ? 'completed' : 'busy' }));
        const filter: CallFilter = { accountSid: ACCOUNT, status: 'completed' };
        const first = await store.listCalls(filter, { limit: 2 });
        assert.deepEqual(sids(first), sids([calls[4], calls[2]]));
        assert.deepEqual(sids(await store.listCalls(filter, { limit: 2, afterSid: first[1].sid })), [calls[0].sid]);
        assert.deepEqual(sids(await store.listCalls(filter, { limit: 1, beforeSid: calls[0].sid })), [calls[2].sid]);
      });
    });

    describe('notifications', () => {
      it('listNotifications returns the call’s notifications oldest first, scoped to account and call', async () => {
        const store = await fresh();
        const call = makeCall();
        const first = makeNotification(call.sid, { errorCode: 11200, messageText: 'first' });
        const second = makeNotification(call.sid, { log: 1, errorCode: 12100, requestMethod: 'POST', requestUrl: 'https://app/x', responseBody: '<bad' });
        await store.insertNotification(first);
        await store.insertNotification(makeNotification(newSid('CA')));
        await store.insertNotification(second);
        assert.deepEqual(await store.listNotifications(ACCOUNT, call.sid), [first, second]);
        assert.deepEqual(await store.listNotifications(OTHER, call.sid), []);
      });
    });

    describe('phone numbers', () => {
      it('a phone number is found by sid in its account and by number in any account', async () => {
        const store = await fresh();
        const number = makeNumber();
        await store.insertPhoneNumber(number);
        assert.deepEqual(await store.getPhoneNumber(ACCOUNT, number.sid), number);
        assert.equal(await store.getPhoneNumber(OTHER, number.sid), null);
        assert.deepEqual(await store.findPhoneNumber(number.phoneNumber), number);
        assert.equal(await store.findPhoneNumber('+15559999999'), null);
      });

      it('a phone number can be provisioned only once, across accounts', async () => {
        const store = await fresh();
        await store.insertPhoneNumber(makeNumber());
        await assert.rejects(store.insertPhoneNumber(makeNumber({ accountSid: OTHER })));
      });

      it('updatePhoneNumber replaces the routing of a number', async () => {
        const store = await fresh();
        const number = makeNumber();
        await store.insertPhoneNumber(number);
        const updated: PhoneNumberRecord = { ...number, friendlyName: 'support', voiceUrl: 'https://app/v2', voiceMethod: 'GET', statusCallback: 'https://app/s', dateUpdated: 2000 };
        await store.updatePhoneNumber(updated);
        assert.deepEqual(await store.getPhoneNumber(ACCOUNT, number.sid), updated);
      });

      it('listPhoneNumbers lists oldest first, filters by exact number and pages', async () => {
        const store = await fresh();
        const numbers = [0, 1, 2, 3].map((i) => makeNumber({ phoneNumber: `+1555000100${i}` }));
        for (const n of numbers) await store.insertPhoneNumber(n);
        await store.insertPhoneNumber(makeNumber({ accountSid: OTHER, phoneNumber: '+15550002000' }));
        const list = (filter: { phoneNumber?: string }, page: PageRequest) => store.listPhoneNumbers(ACCOUNT, filter, page).then(sids);
        assert.deepEqual(await list({}, { limit: 10 }), sids(numbers));
        assert.deepEqual(await list({}, { limit: 2, offset: 1 }), sids(numbers.slice(1, 3)));
        assert.deepEqual(await list({}, { limit: 2, afterSid: numbers[1].sid }), sids(numbers.slice(2, 4)));
        assert.deepEqual(await list({}, { limit: 2, beforeSid: numbers[3].sid }), sids(numbers.slice(1, 3)));
        assert.deepEqual(await list({ phoneNumber: '+15550001002' }, { limit: 10 }), [numbers[2].sid]);
        assert.deepEqual(await list({ phoneNumber: '+1555000100' }, { limit: 10 }), []);
      });

      it('deletePhoneNumber removes a number of the account only', async () => {
        const store = await fresh();
        const number = makeNumber();
        await store.insertPhoneNumber(number);
        assert.equal(await store.deletePhoneNumber(OTHER, number.sid), false);
        assert.equal(await store.deletePhoneNumber(ACCOUNT, number.sid), true);
        assert.equal(await store.findPhoneNumber(number.phoneNumber), null);
        assert.equal(await store.deletePhoneNumber(ACCOUNT, number.sid), false);
      });
    });

    describe('recordings', () => {
      it('saveRecording stores every field, replaces it in place, and queues its callbacks', async () => {
        const store = await fresh();
        const call = makeCall();
        const recording = makeRecording(call.sid);
        await store.saveRecording(recording);
        assert.deepEqual(await store.getRecording(ACCOUNT, recording.sid), recording);
        assert.equal(await store.getRecording(OTHER, recording.sid), null);
        const done: RecordingRecord = { ...recording, status: 'completed', duration: 7, errorCode: null, dateUpdated: 9000 };
        await store.saveRecording(done, [makeCallback(call, 1, 'completed')]);
        assert.deepEqual(await store.getRecording(ACCOUNT, recording.sid), done);
        assert.equal((await store.pendingCallbacks(10)).length, 1);
        assert.deepEqual(sids(await store.listRecordings({ accountSid: ACCOUNT }, { limit: 10 })), [recording.sid]);
      });

      it('listRecordings pages newest first and filters by call and creation date', async () => {
        const store = await fresh();
        const call = newSid('CA');
        const recordings = [0, 1, 2, 3].map((i) => makeRecording(i % 2 === 0 ? call : newSid('CA'), { dateCreated: 1000 * (i + 1) }));
        for (const r of recordings) await store.saveRecording(r);
        await store.saveRecording(makeRecording(call, { accountSid: OTHER }));
        const list = (filter: Omit<RecordingFilter, 'accountSid'>, page: PageRequest) =>
          store.listRecordings({ accountSid: ACCOUNT, ...filter }, page).then(sids);
        assert.deepEqual(await list({}, { limit: 2 }), sids([recordings[3], recordings[2]]));
        assert.deepEqual(await list({}, { limit: 2, afterSid: recordings[2].sid }), sids([recordings[1], recordings[0]]));
        assert.deepEqual(await list({}, { limit: 1, beforeSid: recordings[1].sid }), sids([recordings[2]]));
        assert.deepEqual(await list({ callSid: call }, { limit: 10 }), sids([recordings[2], recordings[0]]));
        assert.deepEqual(await list({ dateCreated: { gte: 2000, lt: 4000 } }, { limit: 10 }), sids([recordings[2], recordings[1]]));
      });

      it('listUnfinishedRecordings returns the in-progress recordings of every account', async () => {
        const store = await fresh();
        const running = makeRecording(newSid('CA'));
        const elsewhere = makeRecording(newSid('CA'), { accountSid: OTHER });
        await store.saveRecording(running);
        await store.saveRecording(elsewhere);
        await store.saveRecording(makeRecording(newSid('CA'), { status: 'completed', duration: 3 }));
        assert.deepEqual(sids(await store.listUnfinishedRecordings()).sort(), [running.sid, elsewhere.sid].sort());
      });

      it('deleteRecording removes a recording of the account only', async () => {
        const store = await fresh();
        const recording = makeRecording(newSid('CA'));
        await store.saveRecording(recording);
        assert.equal(await store.deleteRecording(OTHER, recording.sid), false);
        assert.equal(await store.deleteRecording(ACCOUNT, recording.sid), true);
        assert.equal(await store.getRecording(ACCOUNT, recording.sid), null);
        assert.equal(await store.deleteRecording(ACCOUNT, recording.sid), false);
      });
    });

    describe('callback outbox', () => {
      it('a queued callback is pending at once, with every field and no attempts', async () => {
        const store = await fresh();
        const call = makeCall();
        const callback = makeCallback(call, 3, 'completed');
        await store.saveCall(call, [callback]);
        const [queued] = await store.pendingCallbacks(10);
        assert.deepEqual({ ...queued, id: 0 }, { ...callback, id: 0, attempts: 0, nextAttemptAt: 0 });
      });

      it('pendingCallbacks returns pending callbacks in queue order, at most limit, due or not', async () => {
        const store = await fresh();
        const [first] = await queueCallbacks(store, 3);
        await store.markCallbackFailed(first.id, Date.now() + 3_600_000);
        const two = await store.pendingCallbacks(2);
        assert.deepEqual(two.map((q) => q.sequenceNumber), [0, 1]);
        assert.ok(two[0].id < two[1].id);
      });

      it('markCallbackDelivered takes a callback off the queue', async () => {
        const store = await fresh();
        const [first] = await queueCallbacks(store, 2);
        await store.markCallbackDelivered(first.id);
        assert.deepEqual((await store.pendingCallbacks(10)).map((q) => q.sequenceNumber), [1]);
      });

      it('markCallbackFailed counts the attempt and schedules the retry', async () => {
        const store = await fresh();
        const [queued] = await queueCallbacks(store, 1);
        await store.markCallbackFailed(queued.id, 5000);
        await store.markCallbackFailed(queued.id, 9000);
        const [retry] = await store.pendingCallbacks(10);
        assert.equal(retry.attempts, 2);
        assert.equal(retry.nextAttemptAt, 9000);
      });

      it('markCallbackFailed with no next attempt abandons the callback', async () => {
        const store = await fresh();
        const [queued] = await queueCallbacks(store, 1);
        await store.markCallbackFailed(queued.id, null);
        assert.deepEqual(await store.pendingCallbacks(10), []);
      });
    });
  });
}

// ---- fixtures ----------------------------------------------------------------------------

const ACCOUNT = newSid('AC');
const OTHER = newSid('AC');

const CONFIG: CallRecord['config'] = {
  url: 'https://app.example/voice', method: 'POST', twiml: null, fallbackUrl: null, fallbackMethod: 'POST',
  statusCallback: 'https://app.example/status', statusCallbackMethod: 'POST', statusCallbackEvents: ['completed'],
  timeoutSec: 60, timeLimitSec: 14400, sendDigits: null,
};

function makeCall(overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    sid: newSid('CA'), accountSid: ACCOUNT, parentCallSid: null, to: '+15550000000', from: '+15551111111',
    phoneNumberSid: null, status: 'queued', direction: 'outbound-api', dateCreated: 1000, dateUpdated: 1000,
    startTime: null, answeredAt: null, endTime: null, duration: null, answeredBy: null, forwardedFrom: null,
    callerName: null, callbackSequence: 0, config: CONFIG, ...overrides,
  };
}

/** Inserts `n` calls in order: index 0 is the oldest. All share one dateCreated, so only creation order separates them. */
async function insertCalls(store: Store, n: number, vary: (i: number) => Partial<CallRecord> = () => ({})): Promise<CallRecord[]> {
  const calls = Array.from({ length: n }, (_, i) => makeCall(vary(i)));
  for (const call of calls) await store.insertCall(call);
  return calls;
}

function makeCallback(call: CallRecord, sequenceNumber = 0, status = 'initiated'): NewCallback {
  return {
    callSid: call.sid, accountSid: call.accountSid, sequenceNumber, url: 'https://app.example/status', method: 'POST',
    params: { CallSid: call.sid, CallStatus: status, SequenceNumber: String(sequenceNumber) },
  };
}

/** Saves a new call with `n` callbacks (sequence numbers 0..n-1) and returns the queue. */
async function queueCallbacks(store: Store, n: number) {
  const call = makeCall();
  await store.saveCall(call, Array.from({ length: n }, (_, i) => makeCallback(call, i)));
  return store.pendingCallbacks(n);
}

function makeNotification(callSid: string, overrides: Partial<NotificationRecord> = {}): NotificationRecord {
  return {
    sid: newSid('NO'), accountSid: ACCOUNT, callSid, log: 0, errorCode: 11200, messageText: 'HTTP retrieval failure',
    messageDate: 1000, requestMethod: null, requestUrl: null, requestVariables: null, responseBody: null,
    responseHeaders: null, dateCreated: 1000, ...overrides,
  };
}

function makeRecording(callSid: string, overrides: Partial<RecordingRecord> = {}): RecordingRecord {
  return {
    sid: newSid('RE'), accountSid: ACCOUNT, callSid, status: 'in-progress', source: 'RecordVerb', channels: 1,
    startTime: 1000, duration: null, errorCode: null, dateCreated: 1000, dateUpdated: 1000, ...overrides,
  };
}

function makeNumber(overrides: Partial<PhoneNumberRecord> = {}): PhoneNumberRecord {
  return {
    sid: newSid('PN'), accountSid: ACCOUNT, phoneNumber: '+15550001000', friendlyName: 'main line',
    voiceUrl: 'https://app.example/voice', voiceMethod: 'POST', voiceFallbackUrl: null, voiceFallbackMethod: 'POST',
    smsUrl: 'https://app.example/sms', smsMethod: 'GET', smsFallbackUrl: null, smsFallbackMethod: 'POST',
    statusCallback: null, statusCallbackMethod: 'POST', dateCreated: 1000, dateUpdated: 1000, ...overrides,
  };
}

const sids = (items: { sid: string }[]): string[] => items.map((i) => i.sid);
