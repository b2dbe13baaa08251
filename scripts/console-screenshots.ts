/**
 * Takes the README's screenshots of the web console (docs/images/console-*.png): a Switchboard
 * in this process with a few simulated calls driven by a small TwiML app, and headless
 * Chromium signed in to its console.
 *
 *   node --import tsx scripts/console-screenshots.ts [out-dir]   (default docs/images)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { startSwitchboard, type Switchboard } from '../src/app.js';
import { launchChromium, signIn } from '../test/helpers/chromium.js';

const VOICE = `<Response><Say>Thanks for calling Acme. This call may be recorded.</Say>
<Gather numDigits="1" action="/menu" timeout="600"><Say>Press 1 for sales or 2 for support.</Say></Gather></Response>`;
const MENU = '<Response><Say>Connecting you to sales.</Say><Dial timeout="30"><Number>+14155550199</Number></Dial></Response>';
const HOLD = '<Response><Say loop="0">All our agents are busy. Please hold.</Say></Response>';

/** A TwiML app on node:http answering /voice, /menu and /hold. */
async function startApp(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    req.resume().on('end', () => {
      const body = path === '/voice' ? VOICE : path === '/menu' ? MENU : path === '/hold' ? HOLD : null;
      if (body === null) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/xml' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Resolves at the first event of the call that `match` accepts. */
function untilEvent(sb: Switchboard, callSid: string, match: (type: string, event: unknown) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const stop = sb.events.onCall(callSid, (type, event) => {
      if (!match(type, event)) return;
      stop();
      resolve();
    });
  });
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Places the calls the screenshots show and returns the SID of the one with two legs. */
async function placeCalls(sb: Switchboard, appUrl: string): Promise<string> {
  const client = twilio(sb.accountSid, sb.authToken);
  client.api.baseUrl = sb.url;
  sb.sim.configurePhone('+14155550199', { answer: 'answer', answerAfterMs: 400 });
  const parent = await client.calls.create({ to: '+14155550123', from: '+15005550006', url: `${appUrl}/voice` });
  const gathering = untilEvent(sb, parent.sid, (type, event) => type === 'verb-started' && (event as { verb: string }).verb === 'Gather');
  const bridged = untilEvent(sb, parent.sid, (type) => type === 'bridge');
  for (let i = 0; i < 5; i++) {
    await client.calls.create({ to: `+1415555014${i}`, from: '+15005550006', url: `${appUrl}/${i % 2 ? 'voice' : 'hold'}` });
  }
  await client.calls.create({ to: '+14155550150', from: '+15005550006', twiml: '<Response><Pause length="3600"/></Response>' });
  sb.sim.configurePhone('+14155550160', { answer: 'no-answer' });
  await client.calls.create({ to: '+14155550160', from: '+15005550006', twiml: '<Response><Say>Hi</Say></Response>', timeout: 600 });
  await gathering;
  sb.sim.pressDigits(parent.sid, '1');
  await bridged;
  return parent.sid;
}

export async function takeScreenshots(sb: Switchboard, pageUrl: string, appUrl: string, outDir: string): Promise<void> {
  const parent = await placeCalls(sb, appUrl);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 440 } });
    await signIn(page, pageUrl, sb.accountSid, sb.authToken);
    await settle(2200); // the durations tick past zero
    await page.screenshot({ path: join(outDir, 'console-live.png') });
    await page.goto(`${pageUrl}/console/#/calls/${parent}`);
    await page.locator('.timeline .bridge').waitFor();
    // The second webhook's parameters open, as a reader would click them.
    await page.locator('.timeline .webhook details').nth(1).evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await settle(300);
    await page.setViewportSize({ width: 1280, height: 1120 });
    await page.screenshot({ path: join(outDir, 'console-timeline.png') });
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outDir = process.argv[2] ?? 'docs/images';
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-screens-'));
  const app = await startApp();
  const sb = await startSwitchboard({ port: 0, dataDir, logger: false, timeScale: 1 });
  try {
    await takeScreenshots(sb, sb.url, app.url, outDir);
    console.log(`wrote ${join(outDir, 'console-live.png')} and ${join(outDir, 'console-timeline.png')}`);
  } finally {
    await sb.close();
    app.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
