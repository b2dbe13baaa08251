import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { MessageRecord } from '../domain/message.js';
import { newSid } from '../domain/sid.js';
import type { MessageStore } from './message-store.js';
import type { Store } from './store.js';

/** What the suite opens: the message store, and the outbox it queues callbacks in. */
export interface MessageStoreUnderTest {
  messages: MessageStore;
  outbox: Pick<Store, 'pendingCallbacks'>;
  close(): Promise<void>;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 10);

function message(accountSid: string, patch: Partial<MessageRecord> = {}): MessageRecord {
  return {
    sid: newSid('SM'), accountSid, to: '+14155550100', from: '+15005550006', body: 'hello', mediaUrls: [], numSegments: 1,
    status: 'queued', direction: 'outbound-api', errorCode: null, errorMessage: null, statusCallback: null,
    statusCallbackMethod: 'POST', dateCreated: T0, dateUpdated: T0, dateSent: null, callbackSequence: 1, ...patch,
  };
}

/**
 * The MessageStore port's one contract suite (design.md: every adapter passes it).
 * @param open returns a fresh, empty, migrated store.
 */
export function runMessageStoreContract(name: string, open: () => Promise<MessageStoreUnderTest>): void {
  describe(`MessageStore contract: ${name}`, () => {
    const opened: MessageStoreUnderTest[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it('saves a message with its callbacks in one write, and a later save replaces it in place', async () => {
      const { messages, outbox } = await fresh();
      const account = newSid('AC');
      const m = message(account, { mediaUrls: ['https://a.example/1.png'], statusCallback: 'http://app.test/s' });
      await messages.saveMessage(m);
      const newer = message(account);
      await messages.saveMessage(newer);
      const sent = { ...m, body: '', mediaUrls: [], status: 'sent' as const, dateSent: T0 + 1000, dateUpdated: T0 + 1000, callbackSequence: 2 };
      await messages.saveMessage(sent, [{ callSid: m.sid, accountSid: account, sequenceNumber: 1, url: 'http://app.test/s', method: 'POST', params: { MessageStatus: 'sent' } }]);
      assert.deepEqual(await messages.getMessage(account, m.sid), sent);
      assert.deepEqual((await messages.listMessages({ accountSid: account }, { limit: 10 })).map((x) => x.sid), [newer.sid, m.sid], 'newest first, the replaced one kept its place');
      const [queued] = await outbox.pendingCallbacks(10);
      assert.deepEqual([queued!.callSid, queued!.sequenceNumber, queued!.params.MessageStatus], [m.sid, 1, 'sent']);
    });

    it('is scoped by account, and deletes', async () => {
      const { messages } = await fresh();
      const account = newSid('AC');
      const m = message(account);
      await messages.saveMessage(m);
      assert.equal(await messages.getMessage(newSid('AC'), m.sid), null);
      assert.equal(await messages.deleteMessage(newSid('AC'), m.sid), false);
      assert.equal(await messages.deleteMessage(account, m.sid), true);
      assert.equal(await messages.getMessage(account, m.sid), null);
      assert.equal(await messages.deleteMessage(account, m.sid), false);
    });

    it('filters by To, From and a date_sent range that unsent messages never match, and pages by offset and anchor', async () => {
      const { messages } = await fresh();
      const account = newSid('AC');
      const rows = [
        message(account, { to: '+14155550101', dateSent: T0, status: 'delivered' }),
        message(account, { from: '+14155550999', dateSent: T0 + DAY, status: 'sent' }),
        message(account, { to: '+14155550101' }),
      ];
      for (const row of rows) await messages.saveMessage(row);
      const sids = (list: MessageRecord[]) => list.map((m) => m.sid);
      assert.deepEqual(sids(await messages.listMessages({ accountSid: account, to: '+14155550101' }, { limit: 10 })), [rows[2]!.sid, rows[0]!.sid]);
      assert.deepEqual(sids(await messages.listMessages({ accountSid: account, from: '+14155550999' }, { limit: 10 })), [rows[1]!.sid]);
      assert.deepEqual(sids(await messages.listMessages({ accountSid: account, dateSent: {} }, { limit: 10 })), [rows[1]!.sid, rows[0]!.sid]);
      assert.deepEqual(sids(await messages.listMessages({ accountSid: account, dateSent: { gte: T0 + 1, lt: T0 + 2 * DAY } }, { limit: 10 })), [rows[1]!.sid]);
      assert.deepEqual(sids(await messages.listMessages({ accountSid: account }, { limit: 1, offset: 1 })), [rows[1]!.sid]);
      assert.deepEqual(sids(await messages.listMessages({ accountSid: account }, { limit: 5, afterSid: rows[2]!.sid })), [rows[1]!.sid, rows[0]!.sid]);
      assert.deepEqual(sids(await messages.listMessages({ accountSid: account }, { limit: 1, beforeSid: rows[0]!.sid })), [rows[1]!.sid]);
      assert.deepEqual(await messages.listMessages({ accountSid: account }, { limit: 5, afterSid: newSid('SM') }), [], 'an unknown anchor gives an empty page');
    });

    it('lists the messages not yet final, of every account', async () => {
      const { messages } = await fresh();
      const queued = message(newSid('AC'));
      const sent = message(newSid('AC'), { status: 'sent' });
      await messages.saveMessage(queued);
      await messages.saveMessage(message(newSid('AC'), { status: 'delivered' }));
      await messages.saveMessage(message(newSid('AC'), { status: 'received', direction: 'inbound' }));
      await messages.saveMessage(sent);
      assert.deepEqual((await messages.listUnfinishedMessages()).map((m) => m.sid), [queued.sid, sent.sid]);
    });

    it('records an opt-out per sender and recipient, and lifts it', async () => {
      const { messages } = await fresh();
      await messages.setOptOut('+12105389200', '+14155550100', true);
      await messages.setOptOut('+12105389200', '+14155550100', true);
      assert.equal(await messages.isOptedOut('+12105389200', '+14155550100'), true);
      assert.equal(await messages.isOptedOut('+12105389201', '+14155550100'), false, 'another sender is not blocked');
      await messages.setOptOut('+12105389200', '+14155550100', false);
      assert.equal(await messages.isOptedOut('+12105389200', '+14155550100'), false);
    });
  });
}
