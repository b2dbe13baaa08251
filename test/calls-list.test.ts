import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from './helpers/harness.js';
import { assertCallListBody } from './helpers/openapi.js';
import { lastJson, lastParams, rejectsWith, type Json } from './helpers/sdk.js';
import { accountPath, FROM, HANGUP, HOLD, utcDay, waitForStatus } from './helpers/rest.js';

/** Listing calls (calls-api.md §4) through the official SDK: every filter, and paging with relative page URIs. */

describe('listing calls with filters', () => {
  let h: Harness;
  let t0: number;
  const A = '+14155550110';
  const B = '+14155550111';
  const F1 = '+15005550001';
  const F2 = '+15005550002';
  let live: string;
  let done1: string;
  let done2: string;
  const sids = (calls: { sid: string }[]) => calls.map((c) => c.sid);

  before(async () => {
    h = await startHarness();
    t0 = Date.now();
    live = (await h.client.calls.create({ to: A, from: F1, twiml: HOLD })).sid;
    done1 = (await h.client.calls.create({ to: B, from: F2, twiml: HANGUP })).sid;
    done2 = (await h.client.calls.create({ to: B, from: F1, twiml: HANGUP })).sid;
    await waitForStatus(h, live, 'in-progress');
    await waitForStatus(h, done1, 'completed');
    await waitForStatus(h, done2, 'completed');
  });
  after(() => h.close());

  it('lists every call newest first, each with every field of the Call schema', async () => {
    assert.deepEqual(sids(await h.client.calls.list()), [done2, done1, live]);
    assertCallListBody(lastJson(h));
  });

  it('filters on To and From, and combines filters', async () => {
    assert.deepEqual(sids(await h.client.calls.list({ to: A })), [live]);
    assert.deepEqual(sids(await h.client.calls.list({ to: B })), [done2, done1]);
    assertCallListBody(lastJson(h));
    assert.deepEqual(sids(await h.client.calls.list({ from: F2 })), [done1]);
    assert.deepEqual(sids(await h.client.calls.list({ to: B, from: F1 })), [done2]);
    assert.deepEqual(sids(await h.client.calls.list({ to: A, from: F2 })), []);
  });

  it('filters on Status', async () => {
    assert.deepEqual(sids(await h.client.calls.list({ status: 'completed' })), [done2, done1]);
    assert.deepEqual(sids(await h.client.calls.list({ status: 'in-progress' })), [live]);
    assert.deepEqual(sids(await h.client.calls.list({ status: 'busy' })), []);
  });

  it('refuses a Status filter that is not a call status with 400', async () => {
    await rejectsWith(h.client.calls.list({ status: 'ringing-ish' as 'ringing' }), 400);
  });

  it('filters on ParentCallSid: calls without child legs match nothing', async () => {
    assert.deepEqual(await h.client.calls.list({ parentCallSid: live }), []);
    const body = lastJson(h);
    assertCallListBody(body);
    assert.equal(body.end, 0);
    assert.equal(body.next_page_uri, null);
  });

  it('filters on StartTime, StartTime< and StartTime> given as YYYY-MM-DD (UTC days)', async () => {
    const start = (await h.client.calls(live).fetch()).startTime!.getTime();
    const day = (offset: number) => utcDay(start + offset * 86_400_000) as unknown as Date;
    assert.deepEqual(sids(await h.client.calls.list({ startTime: day(0) })), [done2, done1, live]);
    assert.equal(lastParams(h).StartTime, utcDay(start), 'the SDK passes the string through');
    assert.deepEqual(await h.client.calls.list({ startTime: day(-1) }), []);
    assert.deepEqual(await h.client.calls.list({ startTime: day(1) }), []);
    assert.deepEqual(sids(await h.client.calls.list({ startTimeAfter: day(0) })), [done2, done1, live]);
    assert.deepEqual(await h.client.calls.list({ startTimeAfter: day(1) }), []);
    assert.deepEqual(sids(await h.client.calls.list({ startTimeBefore: day(0) })), [done2, done1, live]);
    assert.deepEqual(await h.client.calls.list({ startTimeBefore: day(-1) }), []);
    assert.deepEqual(sids(await h.client.calls.list({ startTimeAfter: day(-1), startTimeBefore: day(1), to: B })), [done2, done1]);
  });

  it('filters on StartTime< and StartTime> given as JS Dates (sent as ISO timestamps)', async () => {
    const later = new Date(Date.now() + 60_000);
    const earlier = new Date(t0 - 60_000);
    assert.deepEqual(sids(await h.client.calls.list({ startTimeAfter: new Date(t0 - 2000) })), [done2, done1, live]);
    assert.match(String(lastParams(h)['StartTime>']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.deepEqual(await h.client.calls.list({ startTimeAfter: later }), []);
    assert.deepEqual(sids(await h.client.calls.list({ startTimeBefore: later })), [done2, done1, live]);
    assert.deepEqual(await h.client.calls.list({ startTimeBefore: earlier }), []);
    assert.deepEqual(sids(await h.client.calls.list({ startTimeAfter: earlier, startTimeBefore: later, from: F1 })), [done2, live]);
  });

  it('filters on EndTime, EndTime< and EndTime>: only ended calls have an end time', async () => {
    const end = (await h.client.calls(done1).fetch()).endTime!.getTime();
    const day = (offset: number) => utcDay(end + offset * 86_400_000) as unknown as Date;
    assert.deepEqual(sids(await h.client.calls.list({ endTime: day(0) })), [done2, done1]);
    assert.deepEqual(await h.client.calls.list({ endTime: day(-1) }), []);
    assert.deepEqual(sids(await h.client.calls.list({ endTimeAfter: day(0) })), [done2, done1]);
    assert.deepEqual(await h.client.calls.list({ endTimeAfter: day(1) }), []);
    assert.deepEqual(sids(await h.client.calls.list({ endTimeBefore: day(0) })), [done2, done1]);
    assert.deepEqual(await h.client.calls.list({ endTimeBefore: day(-1) }), []);
    assert.deepEqual(sids(await h.client.calls.list({ endTimeAfter: new Date(t0 - 2000) })), [done2, done1]);
    assert.deepEqual(await h.client.calls.list({ endTimeAfter: new Date(Date.now() + 60_000) }), []);
    assert.deepEqual(sids(await h.client.calls.list({ endTimeBefore: new Date(Date.now() + 60_000) })), [done2, done1]);
    assert.deepEqual(await h.client.calls.list({ endTimeBefore: new Date(t0 - 60_000) }), []);
  });

  it('keeps every filter, percent-encoded, in relative page URIs', async () => {
    const path = `${accountPath(h)}/Calls.json`;
    const response = await h.rest('GET', `${path}?To=%2B14155550111&StartTime%3E=2020-01-01&PageSize=1`);
    assert.equal(response.status, 200);
    assertCallListBody(response.json);
    const page = response.json;
    assert.deepEqual(page.calls.map((c: Json) => c.sid), [done2]);
    for (const key of ['uri', 'first_page_uri', 'next_page_uri']) {
      const uri: string = page[key];
      assert.ok(uri.startsWith(`${path}?`), `${key} is relative: ${uri}`);
      assert.match(uri, /[?&]To=%2B14155550111(&|$)/, key);
      assert.match(uri, /[?&]StartTime%3E=2020-01-01(&|$)/, key);
      assert.match(uri, /[?&]PageSize=1(&|$)/, key);
    }
    assert.match(page.first_page_uri, /[?&]Page=0(&|$)/);
    assert.match(page.next_page_uri, /[?&]Page=1(&|$)/);
    assert.equal(page.previous_page_uri, null);

    const next = await h.rest('GET', page.next_page_uri);
    assertCallListBody(next.json);
    assert.deepEqual(next.json.calls.map((c: Json) => c.sid), [done1]);
    assert.equal(next.json.page, 1);
    assert.equal(next.json.start, 1);
    assert.equal(next.json.end, 1);
    assert.equal(next.json.next_page_uri, null);
    assert.match(next.json.previous_page_uri, /[?&]To=%2B14155550111&StartTime%3E=2020-01-01&/);
  });

  it('answers a filter nothing matches with an empty page: end 0, no next or previous page', async () => {
    const response = await h.rest('GET', `${accountPath(h)}/Calls.json?To=%2B19999999999`);
    assert.equal(response.status, 200);
    assertCallListBody(response.json);
    assert.deepEqual(response.json.calls, []);
    assert.equal(response.json.page, 0);
    assert.equal(response.json.start, 0);
    assert.equal(response.json.end, 0);
    assert.equal(response.json.page_size, 50);
    assert.equal(response.json.next_page_uri, null);
    assert.equal(response.json.previous_page_uri, null);
  });
});

describe('paging through calls with the SDK', () => {
  let h: Harness;
  /** Five calls, newest first. */
  let newestFirst: string[];
  const sids = (calls: { sid: string }[]) => calls.map((c) => c.sid);

  before(async () => {
    h = await startHarness();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await h.client.calls.create({ to: `+1415555012${i}`, from: FROM, twiml: HOLD })).sid);
    newestFirst = created.reverse();
  });
  after(() => h.close());

  it('list({pageSize: 2}) follows next_page_uri and returns all five calls, newest first', async () => {
    assert.deepEqual(sids(await h.client.calls.list({ pageSize: 2 })), newestFirst);
    // The last request was the third page, reached through the server's next_page_uri.
    const last = lastJson(h);
    assertCallListBody(last);
    assert.equal(last.page, 2);
    assert.equal(last.calls.length, 1);
    assert.equal(last.next_page_uri, null);
  });

  it('list({limit: 3}) stops after three calls', async () => {
    assert.deepEqual(sids(await h.client.calls.list({ limit: 3, pageSize: 2 })), newestFirst.slice(0, 3));
  });

  it('page() then nextPage() and previousPage() move through the pages', async () => {
    const first = await h.client.calls.page({ pageSize: 2 });
    assertCallListBody(lastJson(h));
    assert.deepEqual(sids(first.instances), newestFirst.slice(0, 2));
    assert.equal(lastJson(h).previous_page_uri, null);

    const second = await first.nextPage();
    assert.ok(second);
    assertCallListBody(lastJson(h));
    assert.deepEqual(sids(second.instances), newestFirst.slice(2, 4));

    const third = await second.nextPage();
    assert.ok(third);
    assert.deepEqual(sids(third.instances), newestFirst.slice(4));
    assert.equal(await third.nextPage(), undefined, 'no page after the last');

    const backToSecond = await third.previousPage();
    assert.ok(backToSecond);
    assertCallListBody(lastJson(h));
    assert.deepEqual(sids(backToSecond.instances), newestFirst.slice(2, 4));

    const backToFirst = await second.previousPage();
    assert.ok(backToFirst);
    const body = lastJson(h);
    assertCallListBody(body);
    assert.deepEqual(sids(backToFirst.instances), newestFirst.slice(0, 2));
    assert.equal(body.page, 0);
    assert.equal(body.previous_page_uri, null);
    assert.equal(await backToFirst.previousPage(), undefined);
  });

  it('clamps PageSize=5000 to 1000 instead of refusing it', async () => {
    const page = await h.client.calls.page({ pageSize: 5000 });
    assert.equal(lastParams(h).PageSize, 5000);
    const body = lastJson(h);
    assertCallListBody(body);
    assert.equal(body.page_size, 1000);
    assert.match(body.uri, /[?&]PageSize=1000(&|$)/);
    assert.deepEqual(sids(page.instances), newestFirst);
  });
});

