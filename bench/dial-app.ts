/**
 * What the `<Dial>` benchmarks (bench/bridge.ts, bench/dial-setup.ts) share: a Switchboard child
 * with its SIP edge, a number whose app answers `<Dial><Sip>` to a callee chosen by the caller's
 * `From` (so each call's child lands on its own callee user), and the reason a probe call did
 * not reach the callee (Switchboard refusing `<Dial>` with 12200 until it is built).
 */
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { freeUdpPort, freeUdpRange } from '../test/peers/ports.js';
import { runBatch, ServerChild, sleep } from './lib.js';
import { closeServer, listenLocal } from './sip-support.js';

export const NUMBER = '+15005550100';

export async function startSipSwitchboard(rtpPorts: number): Promise<ServerChild> {
  const range = await freeUdpRange(rtpPorts);
  return ServerChild.start('switchboard', { sip: { port: await freeUdpPort(), host: '127.0.0.1', rtpPorts: [range.first, range.last], rtpTimeoutMs: 0 } });
}

export const sipTarget = (sb: ServerChild) => `${sb.info.sip!.host}:${sb.info.sip!.port}`;

async function api(sb: ServerChild, method: 'GET' | 'POST', path: string, expectStatus: number, body?: Record<string, string>): Promise<any> {
  const [text] = await runBatch({
    url: sb.url, connections: 1, total: 1, expectStatus,
    request: () => ({
      method, path: `/2010-04-01/Accounts/${sb.info.accountSid}${path}`,
      headers: { authorization: sb.authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: body && new URLSearchParams(body).toString(),
    }),
  });
  return JSON.parse(text!);
}

export async function provisionNumber(sb: ServerChild, voiceUrl: string): Promise<void> {
  await api(sb, 'POST', '/IncomingPhoneNumbers.json', 201, { PhoneNumber: NUMBER, VoiceUrl: voiceUrl });
}

/** `POST /Calls`: an outbound-api call. */
export async function createCall(sb: ServerChild, to: string, twiml: string): Promise<string> {
  return (await api(sb, 'POST', '/Calls.json', 201, { To: to, From: '+15550001111', Twiml: twiml })).sid;
}

/** Why a call did not do what the bench expected: its status and its Notifications (codes and messages). */
export async function explainCall(sb: ServerChild, callSid: string | undefined): Promise<{ refusedDial: boolean; text: string }> {
  if (!callSid) return { refusedDial: false, text: 'the number\'s webhook was never requested' };
  const call = await api(sb, 'GET', `/Calls/${callSid}.json`, 200);
  const list = await api(sb, 'GET', `/Calls/${callSid}/Notifications.json`, 200);
  const notes = ((list.notifications ?? []) as { error_code: string; message_text?: string }[]).map((n) => `${n.error_code}: ${decodeURIComponent(String(n.message_text ?? '').replace(/\+/g, ' ')).slice(0, 160)}`);
  const refusedDial = notes.some((n) => n.startsWith('12200') && /Dial/.test(n));
  return { refusedDial, text: `call ${call.status}${notes.length ? `, notifications ${notes.join('; ')}` : ', no notification'}` };
}

/** Live calls in the child, polled until none is left or `timeoutMs` passed; returns how many are left. */
export async function waitForNoLiveCalls(sb: ServerChild, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let live = await sb.rpc<number>('liveCalls');
  while (live > 0 && performance.now() < deadline) {
    await sleep(200);
    live = await sb.rpc<number>('liveCalls');
  }
  return live;
}

/**
 * The customer's app: `/voice` answers `<Dial><Sip>sip:callee-<n>@<callee></Sip></Dial>` where
 * `<n>` is the caller's `From` less its `+1555` prefix, and notes when each answer was written
 * (the moment the TwiML with `<Dial>` left the app) and the CallSid it was for.
 */
export class DialApp {
  private server!: Server;
  url = '';
  callee = '';
  readonly answeredAt = new Map<string, number>();
  readonly callSids = new Map<string, string>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const n = (form.get('From') ?? '').replace(/^\+1555/, '');
        this.callSids.set(n, form.get('CallSid') ?? '');
        const twiml = `<Response><Dial><Sip>sip:callee-${n}@${this.callee}</Sip></Dial></Response>`;
        res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(twiml) });
        this.answeredAt.set(n, performance.now());
        res.end(twiml);
      });
    });
    this.url = await listenLocal(this.server);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
