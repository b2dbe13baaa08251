/**
 * 9. The web console with 1,000 live simulated calls (issue 10, "a page with 1,000 live
 * simulated calls stays responsive"), in headless Chromium (Debian's chromium through
 * playwright-core), measured inside the page with the console's own performance marks:
 *
 * - render: `console:live-requested` (before `GET /console/v1/live`) → `console:live-rendered`
 *   (the frame after the 1,000 rows went in); beside it, the parts spent fetching and parsing
 *   the snapshot (→ `console:live-loaded`) and building the rows (→ `console:live-built`).
 * - updates: every call redirected through REST to new TwiML; from the last update's response
 *   to the moment the last row shows its new verb (the feed's events applied once per frame),
 *   with the longest main-thread task the page ran meanwhile (PerformanceObserver `longtask`).
 *
 *   BENCH_CONSOLE_LOADS=5   page loads measured (after one warm-up load)
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../test/helpers/chromium.js';
import { percentile, runBatch, ServerChild, sleep } from './lib.js';
import { fmt, ms, notes, rows } from './report.js';

const CALLS = 1000;
const LOADS = Number(process.env.BENCH_CONSOLE_LOADS ?? 5) || 5;
const TARGET_MS = 1000;
const PAUSE = '<Response><Pause length="3600"/></Response>';
const GATHER = '<Response><Gather input="dtmf" timeout="3600"/></Response>';
const FORM = 'application/x-www-form-urlencoded';
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

export async function benchConsole(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    notes.push(`console: skipped, ${CHROMIUM} is not installed (scripts/install-test-peers.sh installs Debian's chromium)`);
    return;
  }
  const sb = await ServerChild.start('switchboard');
  const browser = await launchChromium();
  try {
    const path = `/2010-04-01/Accounts/${sb.info.accountSid}/Calls`;
    const headers = { authorization: sb.authorization, 'content-type': FORM };
    log(`console: creating ${CALLS} live calls`);
    const bodies = await runBatch({
      url: sb.url, connections: 32, total: CALLS, expectStatus: 201,
      request: (i) => ({ method: 'POST', path: `${path}.json`, headers, body: new URLSearchParams({ To: `+1555${String(i).padStart(7, '0')}`, From: '+15550001111', Twiml: PAUSE }).toString() }),
    });
    const sids = bodies.map((b) => (JSON.parse(b) as { sid: string }).sid);
    await sleep(1500); // every call answered and inside its Pause

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/console/`);
    await page.fill('input[name=accountSid]', sb.info.accountSid);
    await page.fill('input[name=authToken]', sb.info.authToken);
    await page.click('#sign-in button[type=submit]');
    const render: number[] = [];
    const fetchParse: number[] = [];
    const building: number[] = [];
    log(`console: ${LOADS} page loads of ${CALLS} live calls (after one warm-up)`);
    for (let i = 0; i <= LOADS; i++) {
      if (i > 0) await page.reload(); // signed in again from sessionStorage
      const timing = await renderTiming(page);
      if (timing.rows !== CALLS) throw new Error(`console: the live table shows ${timing.rows} rows, expected ${CALLS}`);
      if (i > 0) {
        render.push(timing.render);
        fetchParse.push(timing.loaded);
        building.push(timing.built);
      }
    }

    log(`console: redirecting the ${CALLS} calls while the page watches`);
    await page.evaluate(() => {
      const w = window as unknown as { longest: number };
      w.longest = 0;
      new PerformanceObserver((list) => { for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration); }).observe({ type: 'longtask' });
    });
    const shown = page.waitForFunction((n) => [...document.querySelectorAll('#live-calls .verb')].filter((td) => td.textContent === 'Gather').length === n, CALLS, { timeout: 60_000, polling: 'raf' })
      .then(() => page.evaluate(() => Date.now()));
    const pool = new Pool(sb.url, { connections: 16 });
    let lastResponse = 0;
    try {
      await Promise.all(sids.map(async (sid) => {
        const res = await pool.request({ method: 'POST', path: `${path}/${sid}.json`, headers, body: `Twiml=${encodeURIComponent(GATHER)}` });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`console: update HTTP ${res.statusCode}`);
        lastResponse = Math.max(lastResponse, performance.timeOrigin + performance.now());
      }));
    } finally {
      await pool.close();
    }
    const lag = (await shown) - lastResponse;
    const longest = await page.evaluate(() => (window as unknown as { longest: number }).longest);

    const p50 = percentile(render, 50);
    rows.push({
      name: `10. console: time to render ${fmt(CALLS)} live simulated calls (headless Chromium, performance marks in the page), median of ${LOADS} loads`,
      value: `${ms(p50)} (max ${ms(Math.max(...render))})`,
      reference: `of which GET /console/v1/live + JSON parse ${ms(percentile(fetchParse, 50))}, building the rows (script) ${ms(percentile(building, 50))}; the rest is style, layout and paint`,
      ratio: '',
      target: `≤ ${fmt(TARGET_MS)} ms`,
      pass: p50 <= TARGET_MS,
    });
    rows.push({
      name: `10. console: ${fmt(CALLS)} calls redirected over REST, last update response → last row showing its new verb`,
      value: ms(lag),
      reference: `longest main-thread task in the page meanwhile: ${longest > 0 ? ms(longest) : 'none over 50 ms'}`,
      ratio: '',
      target: '',
      pass: null,
    });
    notes.push(`console: Chromium ${browser.version()}, 1280×800 viewport, the calls on one account; updates sent over 16 connections`);
  } finally {
    await browser.close();
    await sb.stop();
  }
}

/** Waits for the page's `console:live-render` measure of this load and reads it. */
async function renderTiming(page: Page): Promise<{ render: number; loaded: number; built: number; rows: number }> {
  await page.waitForFunction(() => performance.getEntriesByName('console:live-render').length > 0 && document.body.dataset.liveRendered !== undefined, undefined, { timeout: 60_000 });
  return page.evaluate(() => {
    const measure = performance.getEntriesByName('console:live-render')[0]!;
    const requested = performance.getEntriesByName('console:live-requested')[0]!;
    const loaded = performance.getEntriesByName('console:live-loaded')[0]!;
    const built = performance.getEntriesByName('console:live-built')[0]!;
    return { render: measure.duration, loaded: loaded.startTime - requested.startTime, built: built.startTime - loaded.startTime, rows: document.querySelectorAll('#live-calls .call').length };
  });
}
