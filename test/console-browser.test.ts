/**
 * The web console (issue 10, point 1) in real headless Chromium: what a developer sees and
 * clicks, checked against what the REST API says. The REST side is driven by the official SDK.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, signIn } from './helpers/chromium.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

const LONG_PAUSE = '<Response><Pause length="3600"/></Response>';

describe('the web console', { skip: chromiumMissing }, () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  before(async () => {
    // Time ×0.1: the simulated phone answers 100 ms after the dial; a Pause of 3600 s lasts 6 min.
    h = await startHarness({ timeScale: 0.1 });
    browser = await launchChromium();
    page = await browser.newPage();
    await signIn(page, h.server.url, h.server.accountSid, h.server.authToken);
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });
  const row = (sid: string) => page.locator(`#live-calls [data-sid="${sid}"]`);

  it('refuses a wrong auth token with a visible message and shows no calls', async () => {
    const other = await browser.newPage();
    try {
      await other.goto(`${h.server.url}/console/`);
      await other.fill('input[name=accountSid]', h.server.accountSid);
      await other.fill('input[name=authToken]', '0'.repeat(32));
      await other.click('#sign-in button[type=submit]');
      const message = other.locator('#sign-in-error');
      await message.filter({ hasText: 'refused' }).waitFor();
      assert.match((await message.textContent())!, /AccountSid or AuthToken is incorrect/);
      assert.equal(await other.locator('#app').isVisible(), false);
      assert.equal(await other.locator('#live-calls .call').count(), 0);
      assert.equal(await other.evaluate(() => sessionStorage.length), 0, 'refused credentials are not kept');
    } finally {
      await other.close();
    }
  });

  it('a call created with the SDK appears in the live table within a second', async () => {
    const call = await h.client.calls.create({ to: '+14155550101', from: '+15005550006', twiml: LONG_PAUSE });
    const created = performance.now();
    await row(call.sid).waitFor({ timeout: 1000 });
    assert.ok(performance.now() - created <= 1000);
    await row(call.sid).locator('.status', { hasText: 'in-progress' }).waitFor();
    assert.equal(await row(call.sid).locator('.to').textContent(), '+14155550101');
    assert.equal(await row(call.sid).locator('.direction').textContent(), 'outbound-api');
    await h.client.calls(call.sid).update({ status: 'completed' });
    await row(call.sid).waitFor({ state: 'detached' });
  });

  it('shows the verb running now, and the new one once the SDK redirects the call', async () => {
    const call = await h.client.calls.create({ to: '+14155550102', from: '+15005550006', twiml: LONG_PAUSE });
    await row(call.sid).locator('.verb', { hasText: 'Pause' }).waitFor();
    await h.client.calls(call.sid).update({ twiml: '<Response><Gather input="dtmf" timeout="3600"/></Response>' });
    await row(call.sid).locator('.verb', { hasText: 'Gather' }).waitFor();
    assert.equal(await row(call.sid).locator('.verb').textContent(), 'Gather');
    await h.client.calls(call.sid).update({ status: 'completed' });
  });

  it('the hang-up button ends the call, and the REST record says so', async () => {
    const call = await h.client.calls.create({ to: '+14155550103', from: '+15005550006', twiml: LONG_PAUSE });
    const button = row(call.sid).locator('button[data-action=end]', { hasText: 'Hang up' });
    await button.click();
    await row(call.sid).waitFor({ state: 'detached' });
    const ended = await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    assert.equal(ended.status, 'completed');
    assert.ok(ended.endTime instanceof Date);
  });

  it("the call's timeline lists the webhook with its parameters and the TwiML it got back", async () => {
    h.app.route('/console-voice', '<Response><Say>Welcome to the console</Say><Pause length="3600"/></Response>');
    const call = await h.client.calls.create({ to: '+14155550104', from: '+15005550006', url: `${h.app.url}/console-voice` });
    await page.goto(`${h.server.url}/console/#/calls/${call.sid}`);
    const webhook = page.locator('.timeline .webhook:not(.stored)', { hasText: `${h.app.url}/console-voice` });
    await webhook.locator('pre.body').waitFor();
    assert.match((await webhook.locator('code').first().textContent())!, /^POST http:\/\/127\.0\.0\.1:\d+\/console-voice$/);
    const params = Object.fromEntries(
      await webhook.locator('table.kv tr').evaluateAll((rows) => rows.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td')!.textContent])),
    );
    assert.equal(params.CallSid, call.sid);
    assert.equal(params.To, '+14155550104');
    assert.equal(params.From, '+15005550006');
    assert.equal(params.Direction, 'outbound-api');
    assert.match((await webhook.locator('.answer').textContent())!, /answered 200 (\(text\/xml\) )?in \d+ ms/);
    assert.equal(await webhook.locator('pre.body').textContent(), '<Response><Say>Welcome to the console</Say><Pause length="3600"/></Response>');
    // The verbs the TwiML ran, and what the simulated phone heard, are on the same timeline.
    await page.locator('.timeline .verb', { hasText: '<Pause> started' }).waitFor();
    await page.locator('.timeline .heard', { hasText: 'Welcome to the console' }).waitFor();
    // The stored copy of the same exchange (Events.json) gives way to the feed's entry; the REST
    // request that created the call, which only the store has, is shown from there.
    const exchanges = await page.locator('.timeline .webhook > div > code:first-of-type').allTextContents();
    assert.equal(exchanges.filter((key) => key === `POST ${h.app.url}/console-voice`).length, 1);
    await page.locator('.timeline .stored', { hasText: `/Accounts/${h.server.accountSid}/Calls.json` }).waitFor();
    await h.client.calls(call.sid).update({ status: 'completed' });
    await page.locator('.call-summary .badge', { hasText: 'completed' }).waitFor();
  });

  it('the TwiML editor shows what is wrong before sending, and sends a valid document that the call then runs', async () => {
    const call = await h.client.calls.create({ to: '+14155550105', from: '+15005550006', twiml: LONG_PAUSE });
    await page.goto(`${h.server.url}/console/#/calls/${call.sid}`);
    const editor = page.locator('textarea[name=twiml]');
    const send = page.locator('button', { hasText: 'Send TwiML' });
    await editor.fill('<Response><Say>unclosed</Response>');
    await page.locator('.problems li', { hasText: 'Not well-formed XML' }).waitFor();
    assert.equal(await send.isDisabled(), true);
    await editor.fill('<Response><Speak>hi</Speak></Response>');
    await page.locator('.problems li', { hasText: '<Speak> is not a TwiML verb.' }).waitFor();
    assert.equal(await send.isDisabled(), true);
    await editor.fill('<Response><Say>Sent from the editor</Say><Pause length="3600"/></Response>');
    assert.equal(await page.locator('.problems li').count(), 0);
    await send.click();
    await page.locator('.timeline .heard', { hasText: 'Sent from the editor' }).waitFor();
    await h.client.calls(call.sid).update({ status: 'completed' });
  });

  it("the far end's keys pressed in the console reach the app's Gather action", async () => {
    h.app.route('/menu', '<Response><Gather numDigits="2" action="/chosen" timeout="3600"><Say>Pick two</Say></Gather></Response>');
    h.app.route('/chosen', LONG_PAUSE);
    const call = await h.client.calls.create({ to: '+14155550106', from: '+15005550006', url: `${h.app.url}/menu` });
    await page.goto(`${h.server.url}/console/#/calls/${call.sid}`);
    await page.locator('.timeline .verb', { hasText: '<Gather> started' }).waitFor();
    await page.fill('input[name=digits]', '42');
    await page.locator('.far-end button', { hasText: 'Press' }).click();
    const chosen = await h.app.waitFor('/chosen', (r) => r.params.CallSid === call.sid);
    assert.equal(chosen.params.Digits, '42');
    await h.client.calls(call.sid).update({ status: 'completed' });
  });

  it('a number added and edited in the console is what the REST API lists, and a simulated call to it runs its VoiceUrl', async () => {
    h.app.route('/inbound', '<Response><Say>Inbound through the console</Say><Pause length="3600"/></Response>');
    await page.goto(`${h.server.url}/console/#/numbers`);
    await page.fill('input[name=PhoneNumber]', '+14155550177');
    await page.click('form.filters button[type=submit]');
    const numberRow = page.locator('table.numbers tr', { hasText: '+14155550177' });
    await numberRow.waitFor();
    await numberRow.locator('input[name=VoiceUrl]').fill(`${h.app.url}/inbound`);
    await numberRow.locator('input[name=FriendlyName]').fill('Console line');
    await numberRow.locator('button', { hasText: 'Save' }).click();
    await page.locator('#messages .ok', { hasText: 'Saving +14155550177: done' }).waitFor();
    const [listed] = await h.client.incomingPhoneNumbers.list({ phoneNumber: '+14155550177' });
    assert.equal(listed?.voiceUrl, `${h.app.url}/inbound`);
    assert.equal(listed?.friendlyName, 'Console line');

    await page.goto(`${h.server.url}/console/#/simulate`);
    await page.selectOption('select[name=to]', '+14155550177');
    await page.fill('input[name=from]', '+15005550011');
    await page.locator('button', { hasText: 'Call' }).click();
    await page.waitForURL(/#\/calls\/CA[0-9a-f]{32}$/);
    const sid = page.url().split('/').pop()!;
    await page.locator('.timeline .heard', { hasText: 'Inbound through the console' }).waitFor();
    const inbound = await h.client.calls(sid).fetch();
    assert.equal(inbound.direction, 'inbound');
    assert.equal(inbound.from, '+15005550011');
    await h.client.calls(sid).update({ status: 'completed' });
  });

  it("a notification's code links to its row in the error table", async () => {
    const call = await h.client.calls.create({ to: '+14155550107', from: '+15005550006', url: 'http://127.0.0.1:9/unreachable' });
    await page.goto(`${h.server.url}/console/#/calls/${call.sid}`);
    const notice = page.locator('.timeline .notification.error', { hasText: '11205' });
    await notice.waitFor();
    await notice.locator('a.error-code').click();
    const row = page.locator('tr#error-11205.highlight');
    await row.waitFor();
    assert.match((await row.textContent())!, /Connection to the app refused/);
  });

  it("a recording on the timeline plays from the REST recording's media", async () => {
    h.app.route('/recorded', LONG_PAUSE);
    // Silence kept as it is (no trim), two seconds of it.
    const record = `<Response><Record maxLength="2" timeout="60" trim="do-not-trim" playBeep="false" action="${h.app.url}/recorded"/></Response>`;
    const call = await h.client.calls.create({ to: '+14155550108', from: '+15005550006', twiml: record });
    await page.goto(`${h.server.url}/console/#/calls/${call.sid}`);
    await page.locator('.timeline .verb', { hasText: '<Record> ended' }).waitFor({ timeout: 10_000 });
    const audio = page.locator('.timeline .recording audio');
    await audio.waitFor();
    await page.waitForFunction(() => document.querySelector<HTMLAudioElement>('.timeline .recording audio')?.src.startsWith('blob:'));
    const seconds = await audio.evaluate((el: HTMLAudioElement) => new Promise<number>((resolve, reject) => {
      el.onloadedmetadata = () => resolve(el.duration);
      el.onerror = () => reject(new Error(`the audio element could not load ${el.src}`));
      el.preload = 'metadata';
      el.load();
    }));
    const [recording] = await h.client.recordings.list({ callSid: call.sid });
    assert.ok(recording, 'the call has a recording');
    assert.ok(Math.abs(seconds - Number(recording.duration)) <= 1, `the player holds ${seconds} s, the recording ${recording.duration} s`);
    await h.client.calls(call.sid).update({ status: 'completed' });
  });

  it("a <Dial>'s child leg sits right under its parent in the live table, one level in", async () => {
    await page.goto(`${h.server.url}/console/#/live`);
    const call = await h.client.calls.create({ to: '+14155550109', from: '+15005550006', twiml: '<Response><Dial><Number>+14155550199</Number></Dial></Response>' });
    await row(call.sid).locator('.verb', { hasText: 'Dial' }).waitFor();
    const child = page.locator(`#live-calls [data-sid="${call.sid}"] + .call`);
    await child.locator('.status', { hasText: 'in-progress' }).waitFor();
    const childSid = (await child.getAttribute('data-sid'))!;
    const [listed] = await h.client.calls.list({ parentCallSid: call.sid });
    assert.equal(childSid, listed?.sid);
    assert.equal(await child.locator('.direction').textContent(), 'outbound-dial');
    assert.equal(await child.evaluate((el: HTMLElement) => el.style.getPropertyValue('--depth')), '1');
    await child.locator('.verb', { hasText: 'bridged' }).waitFor();
    await h.client.calls(call.sid).update({ status: 'completed' });
    await row(childSid).waitFor({ state: 'detached' });
  });

  it('ended calls are filtered by To and status, and paged by the list\'s page URIs', async () => {
    const to = '+14155550188';
    h.server.sim.configurePhone('+14155550189', { answer: 'busy' });
    const created = await Promise.all(Array.from({ length: 52 }, () => h.client.calls.create({ to, from: '+15005550006', twiml: '<Response><Hangup/></Response>' })));
    const busy = await h.client.calls.create({ to: '+14155550189', from: '+15005550006', twiml: LONG_PAUSE });
    await eventually(() => h.client.calls.list({ to, status: 'completed', limit: 100 }), (calls) => calls.length === created.length, 10_000);
    await eventually(() => h.client.calls(busy.sid).fetch(), (c) => c.status === 'busy');

    await page.goto(`${h.server.url}/console/#/calls`);
    await page.fill('input[name=to]', to);
    await page.click('form.filters button[type=submit]');
    const rows = page.locator('table.calls tbody tr[data-sid]');
    await page.locator('.pager', { hasText: 'page 1' }).waitFor();
    await eventually(() => rows.count(), (n) => n === 50);
    const first = await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.sid));
    await page.click('.pager button:has-text("Next")');
    await page.locator('.pager', { hasText: 'page 2' }).waitFor();
    const second = await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.sid));
    assert.equal(second.length, 2);
    assert.deepEqual(new Set([...first, ...second]), new Set(created.map((c) => c.sid)));
    assert.equal(await page.locator('.pager button:has-text("Next")').isDisabled(), true);
    await page.click('.pager button:has-text("Previous")');
    await page.locator('.pager', { hasText: 'page 1' }).waitFor();

    await page.fill('input[name=to]', '');
    await page.selectOption('select[name=status]', 'busy');
    await page.click('form.filters button[type=submit]');
    await page.locator(`table.calls tbody tr[data-sid="${busy.sid}"]`).waitFor();
    assert.deepEqual(await rows.evaluateAll((trs) => [...new Set(trs.map((tr) => tr.querySelector('.badge')!.textContent))]), ['busy']);
  });

  it('a phone scripted in the console answers as scripted, and a ringing call is canceled from its row', async () => {
    await page.goto(`${h.server.url}/console/#/simulate`);
    await page.fill('input[name=number]', '+14155550190');
    await page.selectOption('select[name=answer]', 'no-answer');
    await page.locator('form button', { hasText: 'Save' }).click();
    await page.locator('#messages .ok', { hasText: '+14155550190 will answer no-answer' }).waitFor();

    await page.goto(`${h.server.url}/console/#/live`);
    const call = await h.client.calls.create({ to: '+14155550190', from: '+15005550006', twiml: LONG_PAUSE, timeout: 600 });
    const cancel = row(call.sid).locator('button[data-action=end]', { hasText: 'Cancel' });
    await row(call.sid).locator('.status', { hasText: 'ringing' }).waitFor();
    await cancel.click();
    await row(call.sid).waitFor({ state: 'detached' });
    const ended = await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status !== 'ringing');
    assert.equal(ended.status, 'canceled');
  });

  it('the timeline shows each status callback delivery with its parameters and answer', async () => {
    h.app.route('/status', () => ({ status: 204 }));
    const call = await h.client.calls.create({
      to: '+14155550111', from: '+15005550006', twiml: LONG_PAUSE, statusCallback: `${h.app.url}/status`, statusCallbackEvent: ['answered', 'completed'],
    });
    await page.goto(`${h.server.url}/console/#/calls/${call.sid}`);
    const answered = page.locator('.timeline .callback', { hasText: `${h.app.url}/status` }).filter({ hasText: 'in-progress' });
    await answered.waitFor();
    assert.match((await answered.textContent())!, /answered 204 in \d+ ms/);
    await h.client.calls(call.sid).update({ status: 'completed' });
    await page.locator('.timeline .callback', { hasText: 'CallStatuscompleted' }).waitFor();
  });
  it("durations count on the server's clock, even when the browser's clock is an hour ahead", async () => {
    const skewed = await browser.newPage();
    try {
      await skewed.addInitScript(() => {
        const real = Date.now;
        Date.now = () => real() + 3_600_000;
      });
      await signIn(skewed, h.server.url, h.server.accountSid, h.server.authToken);
      const call = await h.client.calls.create({ to: '+14155550113', from: '+15005550006', twiml: LONG_PAUSE });
      const duration = skewed.locator(`#live-calls [data-sid="${call.sid}"] .duration`);
      await skewed.locator(`#live-calls [data-sid="${call.sid}"] .status`, { hasText: 'in-progress' }).waitFor();
      assert.match((await duration.textContent())!, /^0:0\d$/);
      await h.client.calls(call.sid).update({ status: 'completed' });
    } finally {
      await skewed.close();
    }
  });
});

describe('the web console after a restart', { skip: chromiumMissing }, () => {
  it("shows an old call's webhooks from its stored events when the feed no longer has them", async () => {
    const first = await startHarness({ timeScale: 0.1, keepDataDir: true });
    first.app.route('/old', '<Response><Say>Before the restart</Say><Hangup/></Response>');
    const call = await first.client.calls.create({ to: '+14155550112', from: '+15005550006', url: `${first.app.url}/old` });
    await eventually(() => first.client.calls(call.sid).fetch(), (c) => c.status === 'completed');
    const oldUrl = `${first.app.url}/old`;
    await first.close();

    const h = await startHarness({ timeScale: 0.1, dataDir: first.dataDir });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await signIn(page, h.server.url, h.server.accountSid, h.server.authToken);
      await page.goto(`${h.server.url}/console/#/calls/${call.sid}`);
      const stored = page.locator('.timeline .stored', { hasText: `POST ${oldUrl}` });
      await stored.waitFor();
      assert.equal(await stored.locator('pre.body').textContent(), '<Response><Say>Before the restart</Say><Hangup/></Response>');
      const params = await stored.locator('table.kv').textContent();
      assert.match(params!, new RegExp(`call_sid${call.sid}`));
      assert.equal(await page.locator('.timeline .webhook:not(.stored)').count(), 0, 'the new server\'s feed has nothing of the old call');
    } finally {
      await browser.close();
      await h.close();
      await rm(first.dataDir, { recursive: true, force: true });
    }
  });
});
