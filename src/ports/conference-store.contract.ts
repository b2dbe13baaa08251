import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ConferenceRecord } from '../domain/conference.js';
import { newSid } from '../domain/sid.js';
import type { ConferenceStore } from './conference-store.js';
import type { Store } from './store.js';

/** What the suite opens: the conference store, and the outbox it queues callbacks in. */
export interface ConferenceStoreUnderTest {
  conferences: ConferenceStore;
  outbox: Pick<Store, 'pendingCallbacks'>;
  close(): Promise<void>;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 10);

function conference(accountSid: string, patch: Partial<ConferenceRecord> = {}): ConferenceRecord {
  return {
    sid: newSid('CF'), accountSid, friendlyName: 'standup', status: 'init', region: null, dateCreated: T0, dateUpdated: T0,
    reasonConferenceEnded: null, callSidEndingConference: null, callbackSequence: 1, ...patch,
  };
}

/**
 * The ConferenceStore port's one contract suite (design.md: every adapter passes it).
 * @param open returns a fresh, empty, migrated store.
 */
export function runConferenceStoreContract(name: string, open: () => Promise<ConferenceStoreUnderTest>): void {
  describe(`ConferenceStore contract: ${name}`, () => {
    const opened: ConferenceStoreUnderTest[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it('saves a conference with its callbacks in one write, and a later save replaces it in place', async () => {
      const { conferences, outbox } = await fresh();
      const account = newSid('AC');
      const c = conference(account);
      await conferences.saveConference(c, [{ callSid: c.sid, accountSid: account, sequenceNumber: 1, url: 'http://app.test/e', method: 'POST', params: { StatusCallbackEvent: 'participant-join' } }]);
      const older = conference(account, { friendlyName: 'other' });
      await conferences.saveConference(older);
      const ended = { ...c, status: 'completed' as const, reasonConferenceEnded: 'last-participant-left' as const, callSidEndingConference: newSid('CA'), dateUpdated: T0 + 5000, callbackSequence: 2 };
      await conferences.saveConference(ended);
      assert.deepEqual(await conferences.getConference(account, c.sid), ended);
      assert.deepEqual((await conferences.listConferences({ accountSid: account }, { limit: 10 })).map((x) => x.sid), [older.sid, c.sid], 'newest first, the replaced one kept its place');
      const [queued] = await outbox.pendingCallbacks(10);
      assert.deepEqual([queued!.callSid, queued!.sequenceNumber, queued!.params.StatusCallbackEvent], [c.sid, 1, 'participant-join']);
    });

    it('is scoped by account', async () => {
      const { conferences } = await fresh();
      const c = conference(newSid('AC'));
      await conferences.saveConference(c);
      assert.equal(await conferences.getConference(newSid('AC'), c.sid), null);
      assert.deepEqual(await conferences.listConferences({ accountSid: newSid('AC') }, { limit: 10 }), []);
    });

    it('filters by friendly name, status and date ranges, and pages by offset and by anchor', async () => {
      const { conferences } = await fresh();
      const account = newSid('AC');
      const rows = [
        conference(account, { friendlyName: 'a', dateCreated: T0, dateUpdated: T0 + DAY, status: 'completed' }),
        conference(account, { friendlyName: 'b', dateCreated: T0 + DAY, dateUpdated: T0 + DAY }),
        conference(account, { friendlyName: 'a', dateCreated: T0 + 2 * DAY, dateUpdated: T0 + 2 * DAY, status: 'in-progress' }),
      ];
      for (const row of rows) await conferences.saveConference(row);
      const sids = (list: ConferenceRecord[]) => list.map((c) => c.sid);
      assert.deepEqual(sids(await conferences.listConferences({ accountSid: account, friendlyName: 'a' }, { limit: 10 })), [rows[2]!.sid, rows[0]!.sid]);
      assert.deepEqual(sids(await conferences.listConferences({ accountSid: account, status: 'init' }, { limit: 10 })), [rows[1]!.sid]);
      assert.deepEqual(sids(await conferences.listConferences({ accountSid: account, dateCreated: { gte: T0 + DAY } }, { limit: 10 })), [rows[2]!.sid, rows[1]!.sid]);
      assert.deepEqual(sids(await conferences.listConferences({ accountSid: account, dateUpdated: { lt: T0 + 2 * DAY } }, { limit: 10 })), [rows[1]!.sid, rows[0]!.sid]);
      assert.deepEqual(sids(await conferences.listConferences({ accountSid: account }, { limit: 1, offset: 1 })), [rows[1]!.sid]);
      assert.deepEqual(sids(await conferences.listConferences({ accountSid: account }, { limit: 5, afterSid: rows[2]!.sid })), [rows[1]!.sid, rows[0]!.sid]);
      assert.deepEqual(sids(await conferences.listConferences({ accountSid: account }, { limit: 1, beforeSid: rows[0]!.sid })), [rows[1]!.sid]);
      assert.deepEqual(await conferences.listConferences({ accountSid: account }, { limit: 5, afterSid: newSid('CF') }), [], 'an unknown anchor gives an empty page');
    });

    it('lists the conferences still active, of every account', async () => {
      const { conferences } = await fresh();
      const live = conference(newSid('AC'), { status: 'in-progress' });
      await conferences.saveConference(live);
      await conferences.saveConference(conference(newSid('AC'), { status: 'completed' }));
      const waiting = conference(newSid('AC'));
      await conferences.saveConference(waiting);
      assert.deepEqual((await conferences.listLiveConferences()).map((c) => c.sid), [live.sid, waiting.sid]);
    });
  });
}
