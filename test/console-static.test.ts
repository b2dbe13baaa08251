import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from './helpers/harness.js';

describe('the web console files', () => {
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(() => h.close());
  const get = (path: string) => fetch(h.server.url + path, { redirect: 'manual' });

  it('/console redirects to /console/, which serves the page without asking for credentials', async () => {
    const bare = await get('/console');
    assert.equal(bare.status, 302);
    assert.equal(bare.headers.get('location'), '/console/');
    const page = await get('/console/');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await page.text(), /<form id="sign-in"/);
  });

  it('the page may only load scripts and data from its own origin, and may not be framed', async () => {
    const csp = (await get('/console/')).headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  it('serves the ES modules and the stylesheet as they are in console/', async () => {
    const app = await get('/console/app.js');
    assert.equal(app.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await app.text(), readFileSync(new URL('../console/app.js', import.meta.url), 'utf8'));
    assert.equal((await get('/console/style.css')).headers.get('content-type'), 'text/css; charset=utf-8');
  });

  it('serves docs/errors.md for the error-code links, and nothing else outside console/', async () => {
    const doc = await get('/console/docs/errors.md');
    assert.equal(doc.status, 200);
    assert.match(await doc.text(), /\| 20003 \| 401 \|/);
    for (const path of ['/console/tsconfig.json', '/console/..%2Fpackage.json', '/console/docs/compatibility.md']) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.equal((await response.json()).code, 20404);
    }
  });
});
