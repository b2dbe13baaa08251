import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { startTestSwitchboard } from '../src/testing/index.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { TwimlApp } from './helpers/twiml-app.js';
import { rejectsWith } from './helpers/sdk.js';

/**
 * A simulated phone texting a Switchboard number (messaging.md §4, §5, §8): the number's
 * `SmsUrl` gets Twilio's inbound parameters, signed, with the geo fields; the `<Message>`
 * replies of its messaging TwiML reach the phone's inbox; STOP, START and HELP behave as
 * Twilio's defaults.
 */
describe('inbound messages on the simulated network', () => {
  let h: Harness;
  let line = 0;
  const caller = () => `+1415555${String(3000 + ++line).padStart(4, '0')}`;
  const texts = (phone: string) => h.sim('GET', `/sim/v1/phones/${phone}/messages`).then((r) => r.body.messages as any[]);
  const text = (from: string, to: string, body: string, extra: object = {}) => h.sim('POST', `/sim/v1/phones/${from}/messages`, { to, body, ...extra });
  /** A provisioned number whose SmsUrl is `path` on the test app. */
  const number = async (e164: string, path: string, extra: Record<string, string> = {}) => {
    await h.client.incomingPhoneNumbers.create({ phoneNumber: e164, smsUrl: `${h.app.url}${path}`, ...extra });
    return e164;
  };

  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it("runs the number's SmsUrl with the inbound parameters, signed, and its <Message> reply reaches the phone", async () => {
    h.app.route('/sms', '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks, we got it!</Message></Response>');
    const ours = await number('+12105389201', '/sms');
    const phone = '+14155551234';
    const sent = await text(phone, ours, 'Is the store open today?');
    assert.equal(sent.status, 201);
    assert.match(sent.body.messageSid, /^SM[0-9a-f]{32}$/);

    const hook = await h.app.waitFor('/sms', (r) => r.params.MessageSid === sent.body.messageSid);
    assert.equal(hook.method, 'POST');
    assert.ok(twilio.validateRequest(h.server.authToken, hook.headers['x-twilio-signature'] as string, hook.url, hook.params));
    const p = hook.params;
    assert.deepEqual([p.From, p.To, p.Body, p.SmsStatus, p.NumMedia, p.NumSegments, p.ApiVersion, p.AccountSid], [phone, ours, 'Is the store open today?', 'received', '0', '1', '2010-04-01', h.server.accountSid]);
    assert.equal(p.SmsSid, p.MessageSid);
    assert.equal(p.SmsMessageSid, p.MessageSid);
    assert.deepEqual([p.FromState, p.FromCountry, p.ToState, p.ToCountry, p.ToCity], ['CA', 'US', 'TX', 'US', 'SAN ANTONIO']);
    assert.equal(p.FromZip, '', 'unknown geo fields are sent empty, not left out');

    const inbox = await eventually(() => texts(phone), (list) => list.length === 1);
    assert.deepEqual([inbox[0].from, inbox[0].body], [ours, 'Thanks, we got it!']);
    const inbound = await h.client.messages(sent.body.messageSid).fetch();
    assert.deepEqual([inbound.direction, inbound.status, inbound.from, inbound.to], ['inbound', 'received', phone, ours]);
    const [reply] = await h.client.messages.list({ to: phone, from: ours });
    assert.deepEqual([reply!.direction, reply!.body], ['outbound-reply', 'Thanks, we got it!']);
    assert.equal((await eventually(() => h.client.messages(reply!.sid).fetch(), (m) => m.status === 'delivered')).status, 'delivered');
  });

  it('sends every <Message> with its to (a local form in the sender’s country)/<Body>/<Media>, follows <Redirect>, and sends status callbacks to action', async () => {
    const ours = await number('+12105389202', '/sms-menu');
    const phone = caller();
    const friend = caller();
    h.app.route('/sms-menu', `<Response>
      <Message action="/reply-status"><Body>Here is our menu</Body><Media>https://cdn.example/menu.png</Media></Message>
      <Message to="${friend.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '($1) $2-$3')}">Your friend asked for the menu</Message>
      <Redirect method="POST">/sms-more</Redirect>
      <Message>never sent: after the Redirect</Message>
    </Response>`);
    h.app.route('/sms-more', '<Response><Message>Anything else?</Message></Response>');
    h.app.route('/reply-status', '');
    await text(phone, ours, 'menu');
    const inbox = await eventually(() => texts(phone), (list) => list.length === 2);
    assert.deepEqual(inbox.map((m) => [m.from, m.body, m.mediaUrls]), [[ours, 'Here is our menu', ['https://cdn.example/menu.png']], [ours, 'Anything else?', []]]);
    assert.deepEqual((await eventually(() => texts(friend), (list) => list.length === 1)).map((m) => m.body), ['Your friend asked for the menu']);
    assert.equal(h.app.to('/sms-more')[0]!.params.Body, 'menu', 'the redirected document gets the same parameters');
    const statuses = await eventually(() => h.app.to('/reply-status'), (list) => list.length === 2);
    assert.deepEqual(statuses.map((r) => r.params.MessageStatus), ['sent', 'delivered']);
    assert.match(statuses[0]!.params.MessageSid!, /^MM/);
    assert.ok(statuses.every((r) => twilio.validateRequest(h.server.authToken, r.headers['x-twilio-signature'] as string, r.url, r.params)));
  });

  it('STOP opts the phone out (the default reply, and the app still hears it); a create to it then fails 21610; START opts it back in', async () => {
    h.app.route('/sms-quiet', '<Response/>');
    const ours = await number('+12105389203', '/sms-quiet');
    const phone = caller();
    await text(phone, ours, ' stop ');
    const afterStop = await eventually(() => texts(phone), (list) => list.length === 1);
    assert.match(afterStop[0].body, /^You have successfully been unsubscribed\. .*Reply START to resubscribe\.$/);
    await h.app.waitFor('/sms-quiet', (r) => r.params.Body === ' stop ');
    await rejectsWith(h.client.messages.create({ to: phone, from: ours, body: 'Sale today!' }), 400, 21610);
    const other = caller();
    assert.equal((await h.client.messages.create({ to: other, from: ours, body: 'Sale today!' })).status, 'queued', 'only that recipient is blocked');

    await text(phone, ours, 'START');
    const afterStart = await eventually(() => texts(phone), (list) => list.length === 2);
    assert.match(afterStart[1].body, /^You have successfully been re-subscribed/);
    await h.client.messages.create({ to: phone, from: ours, body: 'Welcome back' });
    await eventually(() => texts(phone), (list) => list.at(-1)?.body === 'Welcome back');

    await text(phone, ours, 'help');
    await eventually(() => texts(phone), (list) => list.at(-1)?.body === 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.');
    await text(phone, ours, 'stop please');
    await h.app.waitFor('/sms-quiet', (r) => r.params.Body === 'stop please');
    assert.equal((await h.client.messages.create({ to: phone, from: ours, body: 'still subscribed' })).status, 'queued', 'a sentence is not a keyword');
  });

  it('a <Message> reply to a phone that opted out is not delivered: it fails with 21610', async () => {
    h.app.route('/sms-echo', (r) => `<Response><Message>You said ${r.params.Body}</Message></Response>`);
    const ours = await number('+12105389204', '/sms-echo');
    const phone = caller();
    await text(phone, ours, 'STOP');
    const replies = await eventually(() => h.client.messages.list({ to: phone }), (list) => list.length === 2 && list.some((m) => m.status === 'failed'));
    const failed = replies.find((m) => m.status === 'failed')!;
    assert.deepEqual([failed.body, failed.errorCode], ['You said STOP', 21610]);
    assert.equal((await texts(phone)).length, 1, 'only the unsubscribe confirmation arrives');
  });

  it('uses SmsMethod=GET, and SmsFallbackUrl with ErrorCode and ErrorUrl when the SmsUrl fails', async () => {
    h.app.route('/sms-get', '<Response><Message>by GET</Message></Response>');
    const getter = await number('+12105389205', '/sms-get', { smsMethod: 'GET' });
    const phone = caller();
    await text(phone, getter, 'hi');
    const hook = await h.app.waitFor('/sms-get');
    assert.equal(hook.method, 'GET');
    assert.equal(hook.params.Body, 'hi');
    await eventually(() => texts(phone), (list) => list.some((m) => m.body === 'by GET'));

    h.app.route('/sms-broken', () => ({ status: 500, body: 'oops', type: 'text/plain' }));
    h.app.route('/sms-fallback', '<Response><Message>Sorry, try again later</Message></Response>');
    const broken = await number('+12105389206', '/sms-broken', { smsFallbackUrl: `${h.app.url}/sms-fallback` });
    const pn = (await h.client.incomingPhoneNumbers.list({ phoneNumber: broken }))[0]!;
    assert.deepEqual([pn.smsUrl, pn.smsMethod, pn.smsFallbackUrl, pn.smsFallbackMethod, pn.capabilities.sms], [`${h.app.url}/sms-broken`, 'POST', `${h.app.url}/sms-fallback`, 'POST', true]);
    await text(phone, broken, 'hello?');
    const fallback = await h.app.waitFor('/sms-fallback');
    assert.deepEqual([fallback.params.ErrorCode, fallback.params.ErrorUrl, fallback.params.Body], ['11200', `${h.app.url}/sms-broken`, 'hello?']);
    await eventually(() => texts(phone), (list) => list.some((m) => m.body === 'Sorry, try again later'));
  });

  it('a malformed reply document sends nothing and harms nothing; the inbound message is kept', async () => {
    h.app.route('/sms-bad', '<Response><Message>unclosed</Response>');
    const ours = await number('+12105389207', '/sms-bad');
    const phone = caller();
    const sent = await text(phone, ours, 'hello');
    await h.app.waitFor('/sms-bad');
    assert.equal((await h.client.messages(sent.body.messageSid).fetch()).status, 'received');
    assert.equal((await h.client.messages.list({ to: phone })).length, 0);
    assert.equal((await h.rest('GET', '/health')).status, 200);
  });

  it('refuses a text to a number that is not provisioned, or from something that is not a phone number', async () => {
    const unknown = await text(caller(), '+12105389299', 'anyone?');
    assert.deepEqual([unknown.status, unknown.body.code], [400, 21211]);
    const bad = await h.sim('POST', '/sim/v1/phones/not-a-number/messages', { to: '+12105389201', body: 'x' });
    assert.deepEqual([bad.status, bad.body.code], [400, 21211]);
    const empty = await text(caller(), '+12105389201', '');
    assert.deepEqual([empty.status, empty.body.code], [400, 21602]);
    const script = await h.sim('PUT', `/sim/v1/phones/${caller()}`, { sms: 'sometimes' });
    assert.equal(script.status, 400);
  });
});

describe('texting in switchboard/testing', () => {
  it('sb.phone(n).text() runs the SmsUrl and sb.phone(n).messages() shows the reply', async () => {
    const sb = await startTestSwitchboard();
    const app = await TwimlApp.start();
    try {
      app.route('/sms', (r) => `<Response><Message>Hello ${r.params.FromCountry}</Message></Response>`);
      const client = twilio(sb.accountSid, sb.authToken);
      client.api.baseUrl = sb.url;
      await client.incomingPhoneNumbers.create({ phoneNumber: '+14155550100', smsUrl: `${app.url}/sms` });
      const phone = sb.phone('+447700900123');
      const sid = await phone.text('+14155550100', 'hi');
      assert.match(sid, /^SM/);
      const inbox = await eventually(() => phone.messages(), (list) => list.length === 1);
      assert.deepEqual([inbox[0]!.from, inbox[0]!.body], ['+14155550100', 'Hello GB']);
    } finally {
      await app.close();
      await sb.close();
    }
  });
});
