import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { CallRecord } from '../domain/call.js';
import { newSid } from '../domain/sid.js';
import type { CallEventStore, CallExchange } from './call-event-store.js';
import type { Store } from './store.js';

type Both = Store & CallEventStore;

/**
 * The Call Events port's one contract suite (design.md: every adapter passes it).
 *
 * @param makeStore a fresh, empty, not yet migrated store; the suite migrates and closes it.
 * @param reopen when given, opens a new store on the data of one the suite has closed.
 */
export function runCallEventStoreContract(name: string, makeStore: () => Promise<Both>, reopen?: (closed: Both) => Promise<Both>): void {
  describe(`CallEventStore contract: ${name}`, () => {
    const open: Both[] = [];
    const fresh = async (): Promise<Both> => {
      const store = await makeStore();
      open.push(store);
      await store.migrate();
      return store;
    };
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
    });

    it("lists a call's exchanges oldest first, as recorded, and no other call's or account's", async () => {
      const store = await fresh();
      const [call, other] = [callRecord(ACCOUNT), callRecord(ACCOUNT)];
      const foreign = { ...callRecord(OTHER), sid: call.sid };
      const recorded = [exchange(call, 0), exchange(call, 1, { responseCode: null, contentType: null, responseBody: null }), exchange(call, 2)];
      await Promise.all([
        store.insertCallExchange(recorded[0]!), store.insertCallExchange(exchange(other, 9)),
        store.insertCallExchange(recorded[1]!), store.insertCallExchange(exchange(foreign, 8)), store.insertCallExchange(recorded[2]!),
      ]);
      const listed = await store.listCallExchanges(ACCOUNT, call.sid, { limit: 10 });
      assert.deepEqual(listed.map(({ seq: _seq, ...rest }) => rest), recorded);
      assert.ok(listed.every((e, i) => i === 0 || e.seq > listed[i - 1]!.seq));
      assert.deepEqual(await store.listCallExchanges(ACCOUNT, newSid('CA'), { limit: 10 }), []);
    });

    it('pages by offset, after a seq and before a seq; an anchor that is not a seq gives an empty page', async () => {
      const store = await fresh();
      const call = callRecord(ACCOUNT);
      for (let i = 0; i < 5; i++) await store.insertCallExchange(exchange(call, i));
      const all = await store.listCallExchanges(ACCOUNT, call.sid, { limit: 10 });
      const urls = (page: { request: { url: string } }[]) => page.map((e) => e.request.url.slice(-1));
      assert.deepEqual(urls(await store.listCallExchanges(ACCOUNT, call.sid, { limit: 2, offset: 2 })), ['2', '3']);
      assert.deepEqual(urls(await store.listCallExchanges(ACCOUNT, call.sid, { limit: 2, afterSid: String(all[1]!.seq) })), ['2', '3']);
      assert.deepEqual(urls(await store.listCallExchanges(ACCOUNT, call.sid, { limit: 2, beforeSid: String(all[3]!.seq) })), ['1', '2']);
      assert.deepEqual(await store.listCallExchanges(ACCOUNT, call.sid, { limit: 2, afterSid: 'PAxyz' }), []);
    });

    it("deleting a call deletes its exchanges, and only its", async () => {
      const store = await fresh();
      const [call, other] = [callRecord(ACCOUNT, 'completed'), callRecord(ACCOUNT, 'completed')];
      await store.insertCall(call);
      await store.insertCall(other);
      await store.insertCallExchange(exchange(call, 0));
      await store.insertCallExchange(exchange(other, 0));
      assert.equal(await store.deleteCall(ACCOUNT, call.sid), true);
      assert.deepEqual(await store.listCallExchanges(ACCOUNT, call.sid, { limit: 10 }), []);
      assert.equal((await store.listCallExchanges(ACCOUNT, other.sid, { limit: 10 })).length, 1);
    });

    it('exchanges survive reopening the store', { skip: reopen ? false : 'adapter has no reopen' }, async () => {
      const store = await fresh();
      const call = callRecord(ACCOUNT);
      await store.insertCallExchange(exchange(call, 0));
      await store.close();
      open.splice(open.indexOf(store), 1);
      const reopened = await reopen!(store);
      open.push(reopened);
      await reopened.migrate();
      assert.deepEqual((await reopened.listCallExchanges(ACCOUNT, call.sid, { limit: 10 })).map((e) => e.request), [exchange(call, 0).request]);
    });
  });
}

const ACCOUNT = newSid('AC');
const OTHER = newSid('AC');

function callRecord(accountSid: string, status: CallRecord['status'] = 'in-progress'): CallRecord {
  return {
    sid: newSid('CA'), accountSid, parentCallSid: null, to: '+15550000000', from: '+15551111111', phoneNumberSid: null,
    status, direction: 'outbound-api', dateCreated: 1000, dateUpdated: 1000, startTime: null, answeredAt: null,
    endTime: null, duration: null, answeredBy: null, forwardedFrom: null, callerName: null, callbackSequence: 0,
    config: {
      url: 'https://app.example/voice', method: 'POST', twiml: null, fallbackUrl: null, fallbackMethod: 'POST',
      statusCallback: null, statusCallbackMethod: 'POST', statusCallbackEvents: ['completed'], timeoutSec: 60,
      timeLimitSec: 14400, sendDigits: null,
    },
  };
}

function exchange(call: CallRecord, i: number, response: Partial<CallExchange['response']> = {}): CallExchange {
  return {
    accountSid: call.accountSid, callSid: call.sid,
    request: { method: 'POST', url: `https://app.example/step/${i}`, parameters: { CallSid: call.sid, Digits: String(i) } },
    response: {
      responseCode: 200, requestDuration: 12 + i, contentType: 'text/xml',
      responseBody: `<Response><Say>${i}</Say></Response>`, dateCreated: 2000 + i, ...response,
    },
  };
}
