import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { countSegments } from '../src/domain/segments.js';
import { ManualClock } from '../src/ports/manual-clock.js';
import { RECEIPT_DELAY_MS, SEND_DELAY_MS } from '../src/messages/message-service.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { assertMediaList, assertMessageBody, assertMessageList } from './helpers/message-openapi.js';
import { lastJson, rejectsWith } from './helpers/sdk.js';

/**
 * The Message resource through the official SDK (messaging.md §1–§3, §7), on a ManualClock so
 * each status is seen while it lasts: queued until the carrier takes the text, sent until the
 * delivery receipt, then delivered, undelivered or failed as the simulated phone's script says.
 */
describe('the Message resource', () => {
  let h: Harness;
  let clock: ManualClock;
  let line = 0;
  const phone = () => `+1415555${String(2000 + ++line).padStart(4, '0')}`;
  const FROM = '+15005550006';
  const rest = (method: string, path: string, form?: Record<string, string | string[]>) =>
    h.rest(method, `/2010-04-01/Accounts/${h.server.accountSid}${path}`, form);
  /** Moves the message through the carrier and its receipt. */
  const deliverAll = async () => {
    await clock.advance(SEND_DELAY_MS);
    await clock.advance(RECEIPT_DELAY_MS);
  };

  before(async () => {
    clock = new ManualClock(Date.UTC(2025, 4, 20, 12, 0, 0));
    h = await startHarness({ clock });
    h.app.route('/status', '');
  });
  after(() => h.close());

  it('create answers 201 queued, then the message is sent and delivered to the phone, with signed status callbacks in order', async () => {
    const to = phone();
    const created = await h.client.messages.create({ to, from: FROM, body: 'Your code is 1234', statusCallback: `${h.app.url}/status` });
    const json = lastJson(h);
    assertMessageBody(json);
    assert.deepEqual([json.status, json.direction, json.num_segments, json.num_media, json.date_sent, json.error_code], ['queued', 'outbound-api', '1', '0', null, null]);
    assert.match(created.sid, /^SM[0-9a-f]{32}$/);
    assert.equal((await h.client.messages(created.sid).fetch()).status, 'queued', 'nothing moves before the Clock does');

    await clock.advance(SEND_DELAY_MS);
    const sent = await h.client.messages(created.sid).fetch();
    assert.equal(sent.status, 'sent');
    assert.ok(sent.dateSent instanceof Date);
    assert.deepEqual(h.server.sim.texts.inbox(to), [], 'not in the inbox before the delivery receipt');

    await clock.advance(RECEIPT_DELAY_MS);
    assert.equal((await h.client.messages(created.sid).fetch()).status, 'delivered');
    assertMessageBody(lastJson(h));
    const inbox = (await h.sim('GET', `/sim/v1/phones/${to}/messages`)).body;
    assert.deepEqual(inbox.messages.map((m: any) => [m.sid, m.from, m.body]), [[created.sid, FROM, 'Your code is 1234']]);

    const callbacks = await eventually(() => h.app.to('/status').filter((r) => r.params.MessageSid === created.sid), (list) => list.length === 2);
    assert.deepEqual(callbacks.map((r) => r.params.MessageStatus), ['sent', 'delivered']);
    for (const r of callbacks) {
      assert.ok(twilio.validateRequest(h.server.authToken, r.headers['x-twilio-signature'] as string, r.url, r.params), 'signed with the account token');
      assert.equal(r.params.SmsStatus, r.params.MessageStatus);
      assert.equal(r.params.SmsSid, created.sid);
      assert.deepEqual([r.params.From, r.params.To, r.params.AccountSid, r.params.ApiVersion], [FROM, to, h.server.accountSid, '2010-04-01']);
      assert.equal(r.params.ErrorCode, undefined, 'no ErrorCode on a message that went well');
      assert.equal(r.params.FromCountry, undefined, 'status callbacks carry no geo fields');
    }
    assert.match(callbacks[1]!.params.RawDlrDoneDate!, /^2505201\d{3}$/);
  });

  it("a phone scripted sms: 'undeliver' gets the message undelivered with 30003, and 'fail' gets it failed with 30006", async () => {
    const unreachable = phone();
    const landline = phone();
    await h.sim('PUT', `/sim/v1/phones/${unreachable}`, { sms: 'undeliver' });
    h.server.sim.configurePhone(landline, { answer: 'answer', sms: 'fail' });
    const a = await h.client.messages.create({ to: unreachable, from: FROM, body: 'hello', statusCallback: `${h.app.url}/status` });
    const b = await h.client.messages.create({ to: landline, from: FROM, body: 'hello', statusCallback: `${h.app.url}/status` });
    await deliverAll();
    const [undelivered, failed] = [await h.client.messages(a.sid).fetch(), await h.client.messages(b.sid).fetch()];
    assert.deepEqual([undelivered.status, undelivered.errorCode, undelivered.errorMessage], ['undelivered', 30003, 'Unreachable destination handset']);
    assert.deepEqual([failed.status, failed.errorCode, failed.dateSent], ['failed', 30006, null]);
    const of = (sid: string) => h.app.to('/status').filter((r) => r.params.MessageSid === sid);
    const aCallbacks = await eventually(() => of(a.sid), (list) => list.length === 2);
    assert.deepEqual(aCallbacks.map((r) => [r.params.MessageStatus, r.params.ErrorCode]), [['sent', undefined], ['undelivered', '30003']]);
    const bCallbacks = await eventually(() => of(b.sid), (list) => list.length === 1);
    assert.deepEqual(bCallbacks.map((r) => [r.params.MessageStatus, r.params.ErrorCode]), [['failed', '30006']]);
    assert.deepEqual(h.server.sim.texts.inbox(unreachable), []);
    assert.deepEqual(h.server.sim.texts.inbox(landline), []);
  });

  it('refuses bad creates with Twilio’s codes and HTTP 400', async () => {
    const to = phone();
    const noTo = await rest('POST', '/Messages.json', { From: FROM, Body: 'x' });
    assert.deepEqual([noTo.status, noTo.json.code, noTo.json.more_info], [400, 21604, 'https://www.twilio.com/docs/errors/21604']);
    await rejectsWith(h.client.messages.create({ to: '555-1234', from: FROM, body: 'x' }), 400, 21211);
    await rejectsWith(h.client.messages.create({ to, from: '+15005550001', body: 'x' }), 400, 21212);
    await rejectsWith(h.client.messages.create({ to, from: '+14155550000', body: 'x' }), 400, 21606);
    await rejectsWith(h.client.messages.create({ to, from: FROM }), 400, 21602);
    await rejectsWith(h.client.messages.create({ to, from: FROM, body: 'a'.repeat(1601) }), 400, 21617);
    await rejectsWith(h.client.messages.create({ to: '+15005550009', from: FROM, body: 'x' }), 400, 21614);
    await rejectsWith(h.client.messages.create({ to: '+15005550004', from: FROM, body: 'x' }), 400, 21610);
    await rejectsWith(h.client.messages.create({ to, from: FROM, body: 'x', statusCallback: 'not a url' }), 400, 21609);
    const xml = await rest('POST', '/Messages', { To: to, From: FROM });
    assert.equal(xml.status, 400);
    assert.match(xml.body, /<RestException><Status>400<\/Status>.*<Code>21602<\/Code>/);
    assert.equal((await h.client.messages.list({ to })).length, 0, 'a refused create stores nothing');
  });

  it('sends from a number of the account, and from an alphanumeric sender ID', async () => {
    const own = phone();
    await h.client.incomingPhoneNumbers.create({ phoneNumber: own });
    const to = phone();
    assert.equal((await h.client.messages.create({ to, from: own, body: 'from our number' })).from, own);
    assert.equal((await h.client.messages.create({ to, from: 'ACME', body: 'from a name' })).from, 'ACME');
    await deliverAll();
    assert.deepEqual(h.server.sim.texts.inbox(to).map((m) => m.from), [own, 'ACME']);
  });

  it('counts segments as GSM-7 or UCS-2 and carries media as MM… messages', async () => {
    const to = phone();
    assert.equal((await h.client.messages.create({ to, from: FROM, body: 'a'.repeat(161) })).numSegments, '2');
    assert.equal((await h.client.messages.create({ to, from: FROM, body: 'é'.repeat(160) })).numSegments, '1', 'é is in GSM-7');
    assert.equal((await h.client.messages.create({ to, from: FROM, body: 'ł'.repeat(71) })).numSegments, '2', 'ł makes it UCS-2');
    const mms = await h.client.messages.create({ to, from: FROM, mediaUrl: ['https://a.example/1.png', 'https://a.example/2.png'] });
    assert.match(mms.sid, /^MM[0-9a-f]{32}$/);
    assert.deepEqual([mms.numMedia, mms.body], ['2', '']);
    await deliverAll();
    assert.deepEqual(h.server.sim.texts.inbox(to).at(-1)!.mediaUrls, ['https://a.example/1.png', 'https://a.example/2.png']);
  });

  it("lists, fetches and deletes a message's Media, one item per MediaUrl", async () => {
    const mms = await h.client.messages.create({ to: phone(), from: FROM, body: 'pics', mediaUrl: ['https://a.example/1.png', 'https://a.example/2.gif'] });
    const media = await h.client.messages(mms.sid).media.list();
    assertMediaList(lastJson(h));
    assert.deepEqual(media.map((m) => [m.contentType, m.parentSid]), [['image/png', mms.sid], ['image/gif', mms.sid]]);
    assert.match(media[0]!.sid, /^ME[0-9a-f]{32}$/);
    assert.equal((await h.client.messages(mms.sid).media(media[1]!.sid).fetch()).sid, media[1]!.sid, 'a media SID is the same on every read');
    await rejectsWith(h.client.messages(mms.sid).media(media[0]!.sid).remove(), 400, 70002);
    await deliverAll();
    assert.equal(await h.client.messages(mms.sid).media(media[0]!.sid).remove(), true);
    assert.deepEqual((await h.client.messages(mms.sid).media.list()).map((m) => m.sid), [media[1]!.sid], 'the other item keeps its SID');
    await rejectsWith(h.client.messages(mms.sid).media(media[0]!.sid).fetch(), 404, 20404);
  });

  it('lists newest first, filtered by To, From and DateSent, in pages with relative URIs, in JSON and XML', async () => {
    const to = phone();
    const other = phone();
    const sids = [];
    for (const body of ['one', 'two', 'three']) sids.push((await h.client.messages.create({ to, from: FROM, body })).sid);
    await h.client.messages.create({ to: other, from: FROM, body: 'elsewhere' });
    await deliverAll();
    assert.deepEqual((await h.client.messages.list({ to })).map((m) => m.sid), sids.reverse());
    const page = await rest('GET', `/Messages.json?To=${encodeURIComponent(to)}&PageSize=2`);
    assertMessageList(page.json);
    assert.equal(page.json.messages.length, 2);
    assert.match(page.json.next_page_uri, /^\/2010-04-01\/Accounts\/AC\w+\/Messages\.json\?To=%2B\d+&PageSize=2&Page=1&PageToken=PASM/);
    assert.equal((await h.client.messages.list({ to, pageSize: 2 })).length, 3, 'the SDK follows next_page_uri');
    const today = new Date(clock.now());
    assert.equal((await h.client.messages.list({ to, dateSent: today })).length, 3);
    assert.equal((await h.client.messages.list({ to, dateSentAfter: new Date(clock.now() + 86_400_000) })).length, 0);
    assert.equal((await h.client.messages.list({ to, dateSentBefore: new Date(clock.now() - 86_400_000) })).length, 0);
    const byDay = await rest('GET', `/Messages.json?To=${encodeURIComponent(to)}&DateSent=2025-05-20`);
    assert.equal(byDay.json.messages.length, 3);
    assert.equal((await rest('GET', '/Messages.json?DateSent=May')).json.code, 70002);
    assert.ok((await h.client.messages.list({ from: FROM })).every((m) => m.from === FROM));
    const xml = await rest('GET', `/Messages?To=${encodeURIComponent(other)}`);
    assert.match(xml.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<TwilioResponse><Messages [^>]*><Message><Body>elsewhere<\/Body><NumSegments>1<\/NumSegments>/);
  });

  it('fetches in XML, redacts with Body= once final, and deletes with 204', async () => {
    const to = phone();
    const m = await h.client.messages.create({ to, from: FROM, body: 'secret 4321' });
    await rejectsWith(h.client.messages(m.sid).update({ body: '' }), 400, 70002);
    await rejectsWith(h.client.messages(m.sid).remove(), 400, 70002);
    await deliverAll();
    const xml = await rest('GET', `/Messages/${m.sid}`);
    assert.match(xml.body, new RegExp(`<Message><Body>secret 4321</Body>.*<Uri>/2010-04-01/Accounts/AC\\w+/Messages/${m.sid}</Uri>.*<Sid>${m.sid}</Sid>`));
    const redacted = await h.client.messages(m.sid).update({ body: '' });
    assertMessageBody(lastJson(h));
    assert.deepEqual([redacted.body, redacted.status], ['', 'delivered']);
    assert.equal((await h.client.messages(m.sid).fetch()).body, '', 'the text is gone for good');
    await rejectsWith(h.client.messages(m.sid).update({ body: 'new text' }), 400, 70002);
    assert.equal(await h.client.messages(m.sid).remove(), true);
    await rejectsWith(h.client.messages(m.sid).fetch(), 404, 20404);
    await rejectsWith(h.client.messages(m.sid).remove(), 404, 20404);
  });

  it('refuses methods a Message does not support with 405', async () => {
    const res = await rest('PUT', '/Messages.json', {});
    assert.deepEqual([res.status, res.json.code], [405, 20004]);
  });
});

describe('messages across a restart', () => {
  it('a message left queued by a stop is sent and delivered after the next start, its callbacks too', async () => {
    const first = await startHarness({ clock: new ManualClock(), keepDataDir: true });
    first.app.route('/status', '');
    const statusUrl = `${first.app.url}/status`;
    const m = await first.client.messages.create({ to: '+14155554000', from: '+15005550006', body: 'before the stop', statusCallback: statusUrl });
    await first.server.close();
    const clock = new ManualClock();
    const second = await startHarness({ clock, dataDir: first.dataDir });
    try {
      assert.equal((await second.client.messages(m.sid).fetch()).status, 'queued');
      await clock.advance(SEND_DELAY_MS);
      await clock.advance(RECEIPT_DELAY_MS);
      assert.equal((await second.client.messages(m.sid).fetch()).status, 'delivered');
      assert.deepEqual(second.server.sim.texts.inbox('+14155554000').map((t) => t.body), ['before the stop']);
      const callbacks = await eventually(() => first.app.to('/status'), (list) => list.length === 2);
      assert.deepEqual(callbacks.map((r) => r.params.MessageStatus), ['sent', 'delivered']);
    } finally {
      await second.close();
      await first.app.close();
      await rm(first.dataDir, { recursive: true, force: true });
    }
  });
});

describe('segment counting (messaging.md §6)', () => {
  it('gives 160 GSM-7 characters to one segment and 153 to each part of a longer one', () => {
    assert.deepEqual([countSegments('a'.repeat(160)), countSegments('a'.repeat(161)), countSegments('a'.repeat(306)), countSegments('a'.repeat(307))], [1, 2, 2, 3]);
  });

  it('counts GSM-7 extension characters twice and switches to UCS-2 for anything else', () => {
    assert.equal(countSegments('{'.repeat(80)), 1);
    assert.equal(countSegments('{'.repeat(81)), 2);
    assert.deepEqual([countSegments('ł'.repeat(70)), countSegments('ł'.repeat(71)), countSegments('ł'.repeat(134)), countSegments('ł'.repeat(135))], [1, 2, 2, 3]);
  });

  it('counts an emoji as two UTF-16 units and never splits it across parts', () => {
    assert.equal(countSegments('😀'.repeat(35)), 1);
    assert.equal(countSegments('😀'.repeat(36)), 2);
    // 134 units would fill two parts of 67 exactly, but an emoji cannot straddle a boundary.
    assert.equal(countSegments('aa' + '😀'.repeat(66)), 3);
  });
});
