import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { signTwilioRequest } from '../src/webhooks/signature.js';
import { WebhookClient } from '../src/webhooks/webhook-client.js';

const TOKEN = '0123456789abcdef0123456789abcdef';

interface Received {
  method: string;
  url: string;
  signature: string;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
}

/** A stand-in app: records what it received the way an Express app would see it. */
async function withApp(fn: (base: string, received: Received[]) => Promise<void>): Promise<void> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const { port } = server.address() as AddressInfo;
      received.push({
        method: req.method!,
        url: `http://127.0.0.1:${port}${req.url}`,
        signature: String(req.headers['x-twilio-signature']),
        params: req.method === 'POST' ? Object.fromEntries(new URLSearchParams(body)) : {},
        headers: req.headers,
      });
      res.writeHead(200, { 'content-type': 'text/xml' }).end('<Response/>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`, received);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const CALL_PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  From: '+14158675309',
  To: '+18005551212',
  CallStatus: 'ringing',
  Caller: "O'Brien & Sons = café",
};

test('signTwilioRequest reproduces the twilio-node test vector', () => {
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
  assert.equal(signTwilioRequest('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params), 'RSOYDt4T1cUTdK1PDd93/VVr8B8=');
});

test('signTwilioRequest signs a bodySHA256 URL alone when params are null', () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
  assert.equal(signTwilioRequest('12345', url, null), 'a9nBmqA0ju/hNViExpshrM61xv4=');
});

test('signTwilioRequest dedupes and sorts the values of a repeated key like twilio-node', () => {
  const url = 'https://example.com/voice';
  const params = { b: ['2', '1', '2'], a: 'x' };
  assert.equal(signTwilioRequest(TOKEN, url, params), twilio.getExpectedTwilioSignature(TOKEN, url, params));
  assert.equal(signTwilioRequest(TOKEN, url, params), signTwilioRequest(TOKEN, url, { a: 'x', b: ['1', '2'] }));
});

test('a POST webhook received by an app validates with twilio.validateRequest', async () => {
  const client = new WebhookClient();
  try {
    await withApp(async (base, received) => {
      const result = await client.fetchTwiml({ url: `${base}/voice?tenant=a%20b#rt=5000`, method: 'POST', params: CALL_PARAMS, authToken: TOKEN });
      assert.equal(result.ok, true);
      const [req] = received;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, `${base}/voice?tenant=a%20b`, 'the fragment is stripped');
      assert.deepEqual(req.params, CALL_PARAMS);
      assert.equal(twilio.validateRequest(TOKEN, req.signature, req.url, req.params), true);
      assert.equal(twilio.validateRequest('ffffffffffffffffffffffffffffffff', req.signature, req.url, req.params), false);
    });
  } finally {
    await client.close();
  }
});

test('a GET webhook carries the parameters in the query and validates with twilio.validateRequest', async () => {
  const client = new WebhookClient();
  try {
    await withApp(async (base, received) => {
      const result = await client.fetchTwiml({ url: `${base}/voice?tenant=a#ct=1000`, method: 'GET', params: CALL_PARAMS, authToken: TOKEN });
      assert.equal(result.ok, true);
      const [req] = received;
      assert.equal(req.method, 'GET');
      const query = new URL(req.url).searchParams;
      assert.equal(query.get('tenant'), 'a', 'the configured query is kept');
      assert.equal(query.get('Caller'), CALL_PARAMS.Caller);
      assert.equal(twilio.validateRequest(TOKEN, req.signature, req.url, {}), true);
    });
  } finally {
    await client.close();
  }
});

test('webhook requests carry the Twilio headers', async () => {
  const client = new WebhookClient();
  try {
    await withApp(async (base, received) => {
      await client.fetchTwiml({ url: `${base}/voice`, method: 'POST', params: CALL_PARAMS, authToken: TOKEN });
      await client.fetchTwiml({ url: `${base}/voice`, method: 'POST', params: CALL_PARAMS, authToken: TOKEN });
      const [a, b] = received.map((r) => r.headers);
      assert.equal(a['user-agent'], 'TwilioProxy/1.1');
      assert.equal(a.accept, '*/*');
      assert.equal(a['content-type'], 'application/x-www-form-urlencoded');
      assert.match(String(a['i-twilio-idempotency-token']), /^[0-9a-f-]{36}$/);
      assert.notEqual(a['i-twilio-idempotency-token'], b['i-twilio-idempotency-token']);
    });
  } finally {
    await client.close();
  }
});
