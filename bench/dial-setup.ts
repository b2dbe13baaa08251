/**
 * 8. `<Dial>` set-up latency (issue 7): from the moment the app's answer with `<Dial><Sip>` left
 * the app to the moment the child's INVITE reached the callee, both timestamped in this process
 * (the app's HTTP server and the callee's SIP socket), one call at a time. The callee answers
 * 486 Busy, so no bridge forms and the parent ends after the `<Dial>`.
 *
 * Reference in the same run, on the same server: `POST /Calls` of an outbound-api call to the
 * same callee, from the request being sent to its INVITE reaching the callee.
 *
 *   BENCH_DIAL_SAMPLES=200   samples for each (after 10 of warm-up)
 */
import { performance } from 'node:perf_hooks';
import { fmt, ms, notes, rows } from './report.js';
import { pcmuSdp } from './rtpengine.js';
import { SipPeer } from './sip-peer.js';
import { createCall, DialApp, explainCall, NUMBER, provisionNumber, sipTarget, startSipSwitchboard, waitForNoLiveCalls } from './dial-app.js';
import { percentile, sleep, withTimeout } from './lib.js';
import { log } from './progress.js';

const SAMPLES = Number(process.env.BENCH_DIAL_SAMPLES ?? 200) || 200;
const WARMUP = 10;
const INVITE_WAIT_MS = 5000;
const TARGET_MS = 5;

export async function benchDialSetup(): Promise<void> {
  const sb = await startSipSwitchboard(400);
  const app = new DialApp();
  const peer = await SipPeer.start();
  const invites = new Map<string, (at: number) => void>();
  peer.onInvite = (invite) => invites.get(invite.user)?.(invite.at);
  peer.answer = () => ({ status: 486 });
  const inviteFor = (user: string) =>
    withTimeout(new Promise<number>((resolve) => invites.set(user, resolve)), INVITE_WAIT_MS, `INVITE for ${user}`).catch(() => null);
  const dial: number[] = [];
  const reference: number[] = [];
  /** The same samples measured from inside: the server's `<Dial>` start → the INVITE (clocks of two processes on one machine). */
  const inside: number[] = [];
  const arrivals: { callSid: string; at: number }[] = [];
  let skip: string | undefined;
  try {
    await app.start();
    app.callee = `127.0.0.1:${peer.port}`;
    await provisionNumber(sb, `${app.url}/voice`);
    log(`dial-setup: ${SAMPLES} calls in, one at a time, each <Dial><Sip> to a callee that is busy`);
    for (let i = 0; i < SAMPLES + WARMUP; i++) {
      const n = `8${String(i).padStart(5, '0')}`;
      const arrived = inviteFor(`callee-${n}`);
      const call = peer.invite({ target: sipTarget(sb), user: NUMBER.slice(1), fromUser: `+1555${n}`, sdp: pcmuSdp(40_000 + (i % 1000) * 2) });
      const [answer, at] = await Promise.all([call.answered, arrived]);
      if (at === null) {
        const why = await explainCall(sb, app.callSids.get(n));
        skip = why.refusedDial ? `Switchboard refuses <Dial> (SIP ${answer.status}, ${why.text})` : `no child INVITE within ${INVITE_WAIT_MS / 1000} s (SIP ${answer.status}, ${why.text})`;
        break;
      }
      if (i >= WARMUP) {
        dial.push(at - app.answeredAt.get(n)!);
        arrivals.push({ callSid: app.callSids.get(n)!, at: performance.timeOrigin + at });
      }
      await Promise.race([call.ended, sleep(3000)]);
      await call.hangup();
    }
    if (!skip) {
      const reached = await sb.rpc<Record<string, number>>('dialReached');
      for (const { callSid, at } of arrivals) if (reached[callSid] !== undefined) inside.push(at - reached[callSid]);
      log(`dial-setup: reference, ${SAMPLES} POST /Calls to the same callee`);
      for (let i = 0; i < SAMPLES + WARMUP; i++) {
        const user = `ref-${i}`;
        const arrived = inviteFor(user);
        const t0 = performance.now();
        await createCall(sb, `sip:${user}@127.0.0.1:${peer.port}`, '<Response><Hangup/></Response>');
        const at = await arrived;
        if (at === null) throw new Error(`dial-setup reference: no INVITE for POST /Calls to sip:${user}`);
        if (i >= WARMUP) reference.push(at - t0);
      }
    }
    await peer.hangupAll();
    await waitForNoLiveCalls(sb, 10_000);
  } finally {
    peer.close();
    await sb.stop();
    await app.close();
  }
  const p = (values: number[], q: number) => ms(percentile(values, q));
  const p99 = percentile(dial, 99);
  if (!skip && inside.length > 0) {
    const insideP99 = percentile(inside, 99);
    rows.push({
      name: '8. <Dial> set-up p50 / p99: the parent\'s <Dial> started (the server\'s verb-started event) → child\'s INVITE at the callee',
      value: `${p(inside, 50)} / ${p(inside, 99)} (max ${ms(Math.max(...inside))})`,
      reference: `POST /Calls sent → its INVITE at the callee: ${p(reference, 50)} / ${p(reference, 99)}`,
      ratio: `${fmt(insideP99 / percentile(reference, 99), 2)}×`,
      target: `p99 ≤ ${TARGET_MS} ms`,
      pass: insideP99 <= TARGET_MS,
    });
  }
  rows.push({
    name: '8. <Dial> set-up p50 / p99: TwiML with <Dial> sent by the app → child\'s INVITE at the callee (bench SIP UA)',
    value: skip ? `skipped: ${skip}` : `${p(dial, 50)} / ${p(dial, 99)} (max ${ms(Math.max(...dial))})`,
    reference: skip ? '' : `POST /Calls sent → its INVITE at the callee: ${p(reference, 50)} / ${p(reference, 99)}`,
    ratio: skip ? '' : `${fmt(p99 / percentile(reference, 99), 2)}×`,
    target: `p99 ≤ ${TARGET_MS} ms`,
    pass: skip ? null : p99 <= TARGET_MS,
  });
  notes.push(
    `dial-setup: ${skip ? 'not measured' : `${dial.length} samples each after ${WARMUP} of warm-up`}, one call at a time; both ends timestamped in the bench process ` +
      `(the app's HTTP answer written, the INVITE datagram received), so the figure includes the webhook response's trip back into Switchboard and the document's parse`,
  );
}
