import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { encodeWav } from '../src/audio/wav.js';
import { sharedPcm } from '../src/audio/pcm.js';
import type { Carrier, InboundHandler } from '../src/ports/carrier.js';
import { runCarrierContract } from '../src/ports/carrier.contract.js';
import { ManualClock } from '../src/ports/manual-clock.js';
import { startSipEdge, type SipEdge } from '../src/sip/sip-edge.js';
import { SipTestPhone } from './helpers/sip-phone.js';

/** Real I/O (UDP on loopback, media workers) settles in this much real time between clock steps. */
const SETTLE_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 400 ms of a 440 Hz tone as an 8 kHz WAV, served for the contract's `play` case. */
const TONE_MS = 400;
const toneWav = encodeWav(sharedPcm(Array.from({ length: (8000 * TONE_MS) / 1000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)))));
const audioServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'audio/wav' }).end(toneWav));
before(() => new Promise<void>((resolve) => audioServer.listen(0, '127.0.0.1', resolve)));
after(() => new Promise<void>((resolve) => audioServer.close(() => resolve())));

const quiet = { warn: (o: object, m: string) => process.env.SIP_DEBUG && console.error(m, o) };
let rtpBase = 30000;

runCarrierContract('SIP edge, against a SIP phone on loopback', async () => {
  const clock = new ManualClock();
  const phone = await SipTestPhone.start(clock);
  rtpBase += 40;
  const edge: SipEdge = await startSipEdge({
    host: '127.0.0.1', port: 0, rtpPorts: [rtpBase, rtpBase + 39], rtpTimeoutMs: 0, mediaWorkers: 1,
    trunk: { host: '127.0.0.1', port: phone.port }, clock, log: quiet,
  });
  // The contract learns an inbound call's SID from placeInbound: this wrapper hands it back.
  let handler: InboundHandler | undefined;
  let pending: { resolve(sid: string): void; reject(error: unknown): void } | undefined;
  edge.carrier.onInbound(async (offer) => {
    try {
      const sid = await handler!(offer);
      pending?.resolve(sid);
      return sid;
    } catch (error) {
      pending?.reject(error);
      throw error;
    }
  });
  // Clock steps must not overtake the network: before a step, every INVITE dialled has reached
  // the phone (opening an RTP port takes a worker round trip), then the rest settles.
  let dialled = 0;
  const settle = async () => {
    for (let waited = 0; phone.invitesSeen < dialled && waited < 2000; waited += 5) await sleep(5);
    await sleep(SETTLE_MS);
  };
  const carrier: Carrier = {
    dial: (request, listener) => {
      dialled++;
      return edge.carrier.dial(request, listener);
    },
    onInbound: (h) => void (handler = h),
  };
  const port = (audioServer.address() as AddressInfo).port;
  return {
    carrier,
    advance: async (ms: number) => {
      await settle();
      await clock.advance(ms);
      await settle();
    },
    configurePhone: (number, behaviour) => phone.configure(number, behaviour),
    placeInbound: (from, to) =>
      new Promise<string>((resolve, reject) => {
        pending = { resolve, reject };
        phone.call(`${from}->${to}`, from, to, `${edge.address.host}:${edge.address.port}`).catch(reject);
      }).then((sid) => {
        phone.alias(`${from}->${to}`, sid);
        return sid;
      }),
    farEndHangup: async (callSid) => {
      const hung = phone.hangup(callSid);
      await settle();
      return hung;
    },
    bridge: {
      press: (callSid, digits) => phone.press(callSid, digits),
      digitsHeard: async (callSid) => phone.keysHeard(callSid),
    },
    audio: { url: `http://127.0.0.1:${port}/tone.wav`, ms: TONE_MS },
    close: async () => {
      // Closing sends BYE on live dialogs and waits for answers on the manual clock: keep it moving.
      let closed = false;
      const closing = Promise.all([edge.close(), phone.close()]).finally(() => (closed = true));
      while (!closed) {
        await clock.advance(500);
        await sleep(5);
      }
      await closing;
    },
  };
});
