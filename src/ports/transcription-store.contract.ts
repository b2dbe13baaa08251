import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { newSid } from '../domain/sid.js';
import type { TranscriptionRecord } from '../domain/transcription.js';
import type { Store } from './store.js';
import type { TranscriptionStore } from './transcription-store.js';

/**
 * The TranscriptionStore port's contract suite (design.md: one per port).
 *
 * @param makeStore a fresh, empty, not yet migrated store; the suite migrates it and closes it
 *   after each test. The Store side is used to check that callbacks commit with the save.
 */
export function runTranscriptionStoreContract(name: string, makeStore: () => Promise<Store & TranscriptionStore>): void {
  describe(`TranscriptionStore contract: ${name}`, () => {
    const open: Store[] = [];
    const fresh = async () => {
      const store = await makeStore();
      open.push(store);
      await store.migrate();
      return store;
    };
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
    });

    it('a saved transcription is fetched back whole, and only within its account', async () => {
      const store = await fresh();
      const t = make();
      await store.saveTranscription(t);
      assert.deepEqual(await store.getTranscription(t.accountSid, t.sid), t);
      assert.equal(await store.getTranscription(newSid('AC'), t.sid), null);
      assert.equal(await store.getTranscription(t.accountSid, newSid('TR')), null);
    });

    it('saving again updates status and text, keeps its place, and queues its callback in the same write', async () => {
      const store = await fresh();
      const first = make();
      const second = make({ accountSid: first.accountSid });
      await store.saveTranscription(first);
      await store.saveTranscription(second);
      const done = { ...first, status: 'completed' as const, text: 'call me back', dateUpdated: first.dateUpdated + 5 };
      await store.saveTranscription(done, [{
        callSid: first.callSid, accountSid: first.accountSid, sequenceNumber: 2, url: 'http://127.0.0.1:1/t', method: 'POST',
        params: { TranscriptionSid: first.sid, TranscriptionStatus: 'completed' },
      }]);
      assert.deepEqual(await store.getTranscription(first.accountSid, first.sid), done);
      const list = await store.listTranscriptions({ accountSid: first.accountSid }, { limit: 10 });
      assert.deepEqual(list.map((t) => t.sid), [second.sid, first.sid], 'newest first; an update does not move it');
      const [queued] = await store.pendingCallbacks(10);
      assert.equal(queued?.params.TranscriptionSid, first.sid);
    });

    it('lists filter by recording and page with afterSid, and unfinished ones are found across accounts', async () => {
      const store = await fresh();
      const recordingSid = newSid('RE');
      const a = make({ recordingSid });
      const b = make({ accountSid: a.accountSid });
      const c = make({ accountSid: a.accountSid, recordingSid, status: 'completed', text: 'hi there' });
      const other = make();
      for (const t of [a, b, c, other]) await store.saveTranscription(t);
      const ofRecording = await store.listTranscriptions({ accountSid: a.accountSid, recordingSid }, { limit: 10 });
      assert.deepEqual(ofRecording.map((t) => t.sid), [c.sid, a.sid]);
      const page2 = await store.listTranscriptions({ accountSid: a.accountSid }, { limit: 2, afterSid: c.sid });
      assert.deepEqual(page2.map((t) => t.sid), [b.sid, a.sid]);
      const unfinished = (await store.listUnfinishedTranscriptions()).map((t) => t.sid);
      assert.deepEqual(unfinished, [a.sid, b.sid, other.sid]);
    });

    it('delete removes it once, only in its own account', async () => {
      const store = await fresh();
      const t = make();
      assert.equal(await store.deleteTranscription(newSid('AC'), t.sid), false);
      await store.saveTranscription(t);
      assert.equal(await store.deleteTranscription(newSid('AC'), t.sid), false);
      assert.equal(await store.deleteTranscription(t.accountSid, t.sid), true);
      assert.equal(await store.deleteTranscription(t.accountSid, t.sid), false);
      assert.equal(await store.getTranscription(t.accountSid, t.sid), null);
    });
  });
}

let clock = 1_700_000_000_000;

function make(overrides: Partial<TranscriptionRecord> = {}): TranscriptionRecord {
  const at = (clock += 1000);
  return {
    sid: newSid('TR'), accountSid: newSid('AC'), recordingSid: newSid('RE'), callSid: newSid('CA'),
    status: 'in-progress', text: null, duration: 7, dateCreated: at, dateUpdated: at, ...overrides,
  };
}
