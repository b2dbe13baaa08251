import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { MAX_TWIML_BYTES, WebhookClient, splitConnectionOverrides } from '../src/webhooks/webhook-client.js';

const TOKEN = '0123456789abcdef0123456789abcdef';
const PARAMS = { CallSid: 'CA0123456789abcdef0123456789abcdef', CallStatus: 'in-progress' };

interface Hit {
  method: string;
  path: string;
  body: string;
  headers: IncomingMessage['headers'];
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** Runs `fn` against a local app whose routes are `handler`; every request is recorded in `hits`. */
async function withApp(handler: Handler, fn: (base: string, hits: Hit[], client: WebhookClient) => Promise<void>): Promise<void> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      hits.push({ method: req.method!, path: req.url!, body, headers: req.headers });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new WebhookClient();
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, client);
  } finally {
    await client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const twiml = (res: ServerResponse, type = 'text/xml', body = '<Response><Say>hi</Say></Response>') =>
  res.writeHead(200, { 'content-type': type }).end(body);

/** /hop/N redirects to /hop/N-1 (with `status`); /hop/0 answers TwiML. */
const redirectChain = (status: number): Handler => (req, res) => {
  const n = Number(/^\/hop\/(\d+)/.exec(req.url!)?.[1] ?? 0);
  if (n === 0) return twiml(res);
  res.writeHead(status, { location: `/hop/${n - 1}` }).end();
};

test('splitConnectionOverrides strips the fragment and clamps ct, rt, tt and rc to the documented ranges', () => {
  const { url, overrides } = splitConnectionOverrides('https://a.example/v?x=1#ct=50&rt=99999&tt=3000&rc=9&rp=all&e=dublin');
  assert.equal(url, 'https://a.example/v?x=1');
  assert.deepEqual(overrides, { connectTimeoutMs: 100, readTimeoutMs: 15000, totalTimeoutMs: 3000, retryCount: 5 });
  assert.deepEqual(splitConnectionOverrides('https://a.example/v#rc=x').overrides.retryCount, 1);
});

test('fetchTwiml returns the document, its media type and the URL it came from', async () => {
  await withApp((_req, res) => twiml(res, 'text/xml; charset=utf-8'), async (base, hits, client) => {
    const result = await client.fetchTwiml({ url: `${base}/voice#rt=1000`, method: 'POST', params: PARAMS, authToken: TOKEN });
    assert.deepEqual(result, { ok: true, body: '<Response><Say>hi</Say></Response>', url: `${base}/voice`, contentType: 'text/xml', status: 200 });
    assert.equal(hits[0].body, new URLSearchParams(PARAMS).toString());
  });
});

test('fetchTwiml follows 10 redirects and fails with 11215 on the 11th', async () => {
  await withApp(redirectChain(302), async (base, hits, client) => {
    const ten = await client.fetchTwiml({ url: `${base}/hop/10`, method: 'POST', params: PARAMS, authToken: TOKEN });
    assert.equal(ten.ok, true);
    assert.equal(ten.ok && ten.url, `${base}/hop/0`);
    assert.equal(hits.length, 11);
    const eleven = await client.fetchTwiml({ url: `${base}/hop/11`, method: 'POST', params: PARAMS, authToken: TOKEN });
    assert.equal(eleven.ok, false);
    assert.equal(!eleven.ok && eleven.code, 11215);
  });
});

test('a 303 turns a POST into a GET without a body', async () => {
  await withApp(redirectChain(303), async (base, hits, client) => {
    const result = await client.fetchTwiml({ url: `${base}/hop/1`, method: 'POST', params: PARAMS, authToken: TOKEN });
    assert.equal(result.ok, true);
    assert.deepEqual(hits.map((h) => [h.method, h.path, h.body]), [['POST', '/hop/1', new URLSearchParams(PARAMS).toString()], ['GET', '/hop/0', '']]);
    assert.equal(twilio.validateRequest(TOKEN, String(hits[1].headers['x-twilio-signature']), `${base}/hop/0`, {}), true);
  });
});

test('a 307 repeats the POST with its body, signed for the new URL', async () => {
  await withApp(redirectChain(307), async (base, hits, client) => {
    const result = await client.fetchTwiml({ url: `${base}/hop/1`, method: 'POST', params: PARAMS, authToken: TOKEN });
    assert.equal(result.ok, true);
    assert.deepEqual(hits.map((h) => h.method), ['POST', 'POST']);
    assert.equal(hits[1].body, hits[0].body);
    assert.equal(twilio.validateRequest(TOKEN, String(hits[1].headers['x-twilio-signature']), `${base}/hop/0`, PARAMS), true);
  });
});

test('cookies set during a redirect are sent back on the next hop', async () => {
  await withApp((req, res) => {
    if (req.url!.startsWith('/start')) return res.writeHead(302, { location: '/next', 'set-cookie': ['session=abc; Path=/; HttpOnly'] }).end();
    twiml(res);
  }, async (base, hits, client) => {
    await client.fetchTwiml({ url: `${base}/start`, method: 'GET', params: PARAMS, authToken: TOKEN });
    assert.equal(hits[1].headers.cookie, 'session=abc');
  });
});

test('a 500 is error 11200 with the status and the response body, and is not retried', async () => {
  await withApp((_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('boom'), async (base, hits, client) => {
    const result = await client.fetchTwiml({ url: `${base}/voice`, method: 'POST', params: PARAMS, authToken: TOKEN });
    assert.deepEqual(result, { ok: false, code: 11200, message: 'HTTP 500 Internal Server Error', status: 500, responseBody: 'boom' });
    assert.equal(hits.length, 1);
  });
});

test('a read timeout set by #rt=200 fails quickly with 11200 after one retry', async () => {
  await withApp((_req, res) => setTimeout(() => twiml(res), 5000).unref(), async (base, hits, client) => {
    const started = Date.now();
    const result = await client.fetchTwiml({ url: `${base}/slow#rt=200`, method: 'POST', params: PARAMS, authToken: TOKEN });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, 11200);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal(hits.length, 2, 'rc defaults to 1');
    assert.equal(hits[0].headers['i-twilio-idempotency-token'], hits[1].headers['i-twilio-idempotency-token'], 'a retry keeps its idempotency token');
  });
});

test('the total timeout #tt bounds all attempts together', async () => {
  await withApp((_req, res) => setTimeout(() => twiml(res), 5000).unref(), async (base, hits, client) => {
    const started = Date.now();
    const result = await client.fetchTwiml({ url: `${base}/slow#rt=1000&tt=300&rc=5`, method: 'GET', params: PARAMS, authToken: TOKEN });
    assert.equal(!result.ok && result.code, 11200);
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.equal(hits.length, 1);
  });
});

test('a refused connection is error 11205', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  const client = new WebhookClient();
  try {
    const result = await client.fetchTwiml({ url: `http://127.0.0.1:${port}/voice#rc=0`, method: 'POST', params: PARAMS, authToken: TOKEN });
    assert.equal(!result.ok && result.code, 11205);
  } finally {
    await client.close();
  }
});

test('a body of exactly 64 KB is accepted and one byte more is error 11750, with or without Content-Length', async () => {
  const limit = MAX_TWIML_BYTES;
  await withApp((req, res) => {
    const size = Number(req.url!.split('/')[2]);
    const body = '<Response>' + ' '.repeat(size - '<Response></Response>'.length) + '</Response>';
    if (req.url!.startsWith('/chunked/')) {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.write(body.slice(0, 1000));
      res.end(body.slice(1000));
    } else {
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) }).end(body);
    }
  }, async (base, _hits, client) => {
    for (const mode of ['sized', 'chunked']) {
      const fits = await client.fetchTwiml({ url: `${base}/${mode}/${limit}`, method: 'POST', params: PARAMS, authToken: TOKEN });
      assert.equal(fits.ok && fits.body.length, limit, mode);
      const over = await client.fetchTwiml({ url: `${base}/${mode}/${limit + 1}`, method: 'POST', params: PARAMS, authToken: TOKEN });
      assert.equal(!over.ok && over.code, 11750, mode);
    }
  });
});

test('TwiML media types are accepted and anything else, or none, is error 12300', async () => {
  await withApp((req, res) => {
    const type = decodeURIComponent(req.url!.slice(1).split('?')[0]);
    if (type === 'none') return res.writeHead(200).end('<Response/>');
    twiml(res, type);
  }, async (base, _hits, client) => {
    for (const type of ['text/xml', 'application/xml', 'text/html', 'text/plain', 'Text/XML; charset=ISO-8859-1']) {
      const result = await client.fetchTwiml({ url: `${base}/${encodeURIComponent(type)}`, method: 'GET', params: PARAMS, authToken: TOKEN });
      assert.equal(result.ok, true, type);
    }
    for (const type of ['application/json', 'audio/mpeg', 'none']) {
      const result = await client.fetchTwiml({ url: `${base}/${encodeURIComponent(type)}`, method: 'GET', params: PARAMS, authToken: TOKEN });
      assert.equal(!result.ok && result.code, 12300, type);
    }
  });
});

test('aborting the signal rejects fetchTwiml with the abort reason', async () => {
  await withApp((_req, res) => setTimeout(() => twiml(res), 5000).unref(), async (base, _hits, client) => {
    const controller = new AbortController();
    const pending = client.fetchTwiml({ url: `${base}/slow`, method: 'POST', params: PARAMS, authToken: TOKEN, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('hung up')), 50);
    await assert.rejects(pending, /hung up/);
  });
});

test('postStatusCallback treats any 2xx as delivered and reports other statuses', async () => {
  await withApp((req, res) => res.writeHead(req.url!.startsWith('/ok') ? 204 : 503).end(), async (base, hits, client) => {
    assert.deepEqual(await client.postStatusCallback({ url: `${base}/ok`, method: 'POST', params: PARAMS, authToken: TOKEN }), { ok: true, status: 204 });
    assert.deepEqual(await client.postStatusCallback({ url: `${base}/bad#rc=3`, method: 'POST', params: PARAMS, authToken: TOKEN }), {
      ok: false,
      status: 503,
      error: 'HTTP 503 Service Unavailable',
    });
    await client.postStatusCallback({ url: `${base}/ok?a=1`, method: 'GET', params: PARAMS, authToken: TOKEN });
    const get = hits[2];
    assert.equal(get.method, 'GET');
    assert.equal(new URL(get.path, base).searchParams.get('CallStatus'), 'in-progress');
    assert.equal(twilio.validateRequest(TOKEN, String(get.headers['x-twilio-signature']), base + get.path, {}), true);
    assert.equal(twilio.validateRequest(TOKEN, String(hits[0].headers['x-twilio-signature']), `${base}/ok`, PARAMS), true);
  });
});

test('postStatusCallback reports a connection failure without throwing', async () => {
  const client = new WebhookClient();
  try {
    const result = await client.postStatusCallback({ url: 'http://127.0.0.1:1/cb', method: 'POST', params: PARAMS, authToken: TOKEN });
    assert.equal(result.ok, false);
    assert.match(result.error ?? '', /ECONNREFUSED/);
  } finally {
    await client.close();
  }
});
