import type { DialRequest, Leg, LegEndReason, LegListener } from '../ports/carrier.js';
import type { Clock, Timer } from '../ports/clock.js';
import type { Tts } from '../ports/tts.js';
import type { SipLogger } from './logger.js';
import type { SipUri } from './message/types.js';
import type { MediaEngine, RtpStream } from './rtp/media-engine.js';
import { answerOffer, createOffer, readAnswer, type NegotiatedMedia } from './sdp.js';
import { CARRIER_NOTICE, SipMedia, type AudioSource } from './sip-media.js';
import type { Dialog, IncomingInvite, OutgoingInvite, SipUserAgent } from './user-agent.js';

/** What every leg shares: one object for all calls, not a closure per call. */
export interface SipLegHost {
  readonly ua: SipUserAgent;
  readonly engine: MediaEngine;
  readonly clock: Clock;
  readonly tts: Tts;
  readonly audio: AudioSource;
  readonly log: SipLogger;
  /** Our address in Contact/From and SDP. */
  readonly contactHost: string;
}

/**
 * - `starting`: the RTP port is being opened (outbound: before the INVITE goes out);
 * - `ringing`: outbound, a provisional response came; inbound, the INVITE waits for our answer;
 * - `answering`: inbound, `answer()` was called and the 200 OK waits for the RTP port;
 * - `answered`: the dialog is up and RTP flows;
 * - `ended`: one guarded path into `end()`, so every stop is idempotent.
 */
type SipLegState = 'starting' | 'ringing' | 'answering' | 'answered' | 'ended';

/** How a final failure response to our INVITE ends the call (issue: failure behaviour). */
function reasonForFailure(status: number): LegEndReason {
  if (status === 486 || status === 600) return 'busy';
  if (status === 603 || status === 480 || status === 487) return 'no-answer';
  return 'failed';
}

/**
 * One call leg over SIP: the Leg the session drives, built on the user agent's INVITE
 * transactions and dialog, with a Media port on an RTP stream. The session's own actions
 * (answer, reject, hangup) never call the listener back; only the far end or the network ends
 * a leg with `ended(reason)` (carrier contract).
 */
export class SipLeg implements Leg {
  readonly media: SipMedia;
  private state: SipLegState = 'starting';
  private listener: LegListener | undefined;
  private stream: RtpStream | undefined;
  private dialog: Dialog | undefined;
  private outgoing: OutgoingInvite | undefined;
  private incoming: IncomingInvite | undefined;
  private ringTimer: Timer | undefined;
  /** Settles when the leg is answered (resolve) or ends first (reject). */
  private readonly answeredSignal = settleLater<RtpStream>();
  private readonly endWatchers = new Set<(error: Error) => void>();
  private sdpVersion = 1;
  /** What SDP negotiated last; undefined until then. */
  private negotiated: NegotiatedMedia | undefined;
  /** Whether a verb listens for keys (Media.listening). */
  private wantsTones = false;

  constructor(
    private readonly host: SipLegHost,
    readonly callSid: string,
    readonly direction: 'outbound' | 'inbound',
    listener: LegListener,
  ) {
    this.listener = listener;
    this.answeredSignal.promise.catch(() => undefined); // observed through answeredStream()
    this.media = new SipMedia({
      clock: host.clock,
      tts: host.tts,
      audio: host.audio,
      answeredStream: (allowEarly) => this.answeredStream(allowEarly),
      listenForTones: (on) => this.listenForTones(on),
      notice: (code, message) => this.listener?.notice(code, message),
      onEnd: (reject) => this.onEnd(reject),
    });
  }

  /**
   * Outbound: opens the RTP port, then sends the INVITE. Runs after `dial()` returned the leg;
   * the ring timeout counts from the dial, not from when the port was ready.
   */
  start(target: SipUri, request: DialRequest, from: string, auth: DialRequest['sipAuth']): void {
    this.startOutbound(target, request, from, auth).catch((error: unknown) => this.fail(error));
  }

  private async startOutbound(target: SipUri, request: DialRequest, from: string, auth: DialRequest['sipAuth']): Promise<void> {
    this.ringTimer = this.host.clock.setTimer(request.ringTimeoutMs, () => this.ringTimeout());
    try {
      this.stream = await this.host.engine.openStream(this.streamEvents());
    } catch (error) {
      this.host.log.warn({ err: error, callSid: this.callSid }, 'SIP: no RTP port for an outbound call');
      return this.end('failed', 503);
    }
    if (this.isEnded()) return this.stream.close(); // hung up while the port opened
    const sdp = createOffer(this.localMedia());
    this.outgoing = this.host.ua.invite(
      {
        uri: target, from: { uri: `sip:${fromUser(from)}@${uriHost(this.host.contactHost)}` }, sdp, auth,
        // As Twilio does on its SIP INVITEs, so the far end can tie the call to its SID.
        headers: [{ name: 'X-Twilio-CallSid', value: this.callSid }],
      },
      {
        provisional: (status) => this.safely(() => this.provisional(status)),
        accepted: (dialog, response) => this.safely(() => this.accepted(dialog, response.body.toString())),
        failed: (status) => this.safely(() => this.end(reasonForFailure(status), status)),
      },
    );
  }

  /** Inbound: the INVITE rings (180 sent by the carrier) while the RTP port opens. */
  prepareInbound(invite: IncomingInvite): void {
    this.openInbound(invite).catch((error: unknown) => this.fail(error));
  }

  private async openInbound(invite: IncomingInvite): Promise<void> {
    this.incoming = invite;
    this.state = 'ringing';
    invite.onCancel = () => this.safely(() => this.end('remote-hangup', 487));
    try {
      this.stream = await this.host.engine.openStream(this.streamEvents());
    } catch (error) {
      this.host.log.warn({ err: error, callSid: this.callSid }, 'SIP: no RTP port for an inbound call');
      invite.reject(503);
      return this.end('failed', 503);
    }
    if (this.isEnded()) return this.stream.close();
    if (this.isAnswering()) this.acceptInbound();
  }

  answer(): void {
    if (this.direction !== 'inbound' || this.state !== 'ringing') return;
    this.state = 'answering';
    if (this.stream) this.acceptInbound();
  }

  reject(reason: 'busy' | 'rejected'): void {
    // <Reject>: busy answers 486, the default rejected answers 603 (issue: verbs on real audio).
    if (this.direction !== 'inbound' || this.state !== 'ringing') return;
    this.incoming?.reject(reason === 'busy' ? 486 : 603);
    this.end();
  }

  hangup(): void {
    if (this.state === 'ended') return;
    if (this.dialog) void this.dialog.bye();
    else if (this.outgoing) this.outgoing.cancel();
    else this.incoming?.reject(487, 'Request Terminated');
    this.end();
  }

  /**
   * Something unexpected broke the leg (a bug, or input nothing else caught): the call fails
   * rather than hanging, and the process goes on (design.md: no input crashes the process).
   */
  private fail(error: unknown): void {
    if (this.state === 'ended') return;
    this.host.log.warn({ err: error, callSid: this.callSid }, 'SIP: the call leg failed');
    this.drop(`the call leg failed (${(error as Error).message})`, this.brokenEnd(), 500);
  }

  /** An answered call that breaks has still been a call: it ends `completed`, like a hang-up. */
  private brokenEnd(): LegEndReason {
    return this.dialog ? 'remote-hangup' : 'failed';
  }

  /**
   * Ends a call that cannot go on (unusable SDP, no RTP, no media worker): the app gets a
   * Notification saying why, the far end a BYE (or a refusal while the INVITE is unanswered).
   */
  private drop(why: string, reason: LegEndReason, sipResponseCode: number): void {
    this.listener?.notice(CARRIER_NOTICE, `SIP: ${why}; the call was hung up.`);
    if (this.dialog) void this.dialog.bye();
    else this.incoming?.reject(sipResponseCode);
    this.end(reason, sipResponseCode);
  }

  /** Runs a handler the user agent or the media engine calls; a throw fails this call only. */
  private safely(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Reads the state afresh after an await (TypeScript narrows it across the await otherwise). */
  private isEnded(): boolean {
    return this.state === 'ended';
  }

  private isAnswering(): boolean {
    return this.state === 'answering';
  }

  private provisional(status: number): void {
    if (this.state !== 'starting' || status < 180) return;
    this.state = 'ringing';
    this.listener?.ringing();
  }

  private accepted(dialog: Dialog, answerSdp: string): void {
    if (this.state === 'ended') {
      // The far end answered as we gave up (a 200 racing our CANCEL): hang it up at once.
      void dialog.bye();
      return;
    }
    const media = readAnswer(answerSdp);
    if ('error' in media) {
      this.dialog = dialog;
      return this.drop(`the far end answered with SDP Switchboard cannot use: ${media.error}`, 'failed', 488);
    }
    this.ringTimer?.cancel();
    this.connect(dialog, media);
    this.listener?.answered();
  }

  private acceptInbound(): void {
    const invite = this.incoming!;
    const offer = invite.offer;
    if (offer === undefined) {
      // An offerless INVITE: our offer goes in the 200 and the answer comes in the ACK (onAckSdp).
      return this.connect(invite.accept(createOffer(this.localMedia())), undefined);
    }
    const answered = answerOffer(offer, this.localMedia());
    if ('error' in answered) {
      invite.reject(answered.error, answered.reason);
      this.listener?.notice(CARRIER_NOTICE, `SIP: the caller's SDP offer is unusable: ${answered.reason}`);
      return this.end('failed', answered.error);
    }
    this.connect(invite.accept(answered.sdp), answered.media);
  }

  /** The dialog is up: wire its events, start RTP, release media waiting for the answer. */
  private connect(dialog: Dialog, media: NegotiatedMedia | undefined): void {
    this.dialog = dialog;
    this.state = 'answered';
    dialog.onEnded = (why) => this.safely(() => this.end('remote-hangup', why === 'bye' ? 200 : 408));
    dialog.onReinvite = (offer) => (offer === undefined ? createOffer(this.localMedia(true)) : this.reinvite(offer));
    dialog.onAckSdp = (answer) => this.safely(() => {
      const next = readAnswer(answer);
      if ('error' in next) this.drop(`the SDP answer in the far end's ACK is unusable: ${next.error}`, 'failed', 488);
      else this.useMedia(next);
    });
    if (media) this.useMedia(media);
    this.answeredSignal.resolve(this.stream!);
  }

  /** A re-INVITE (hold or resume, RFC 3264 §8.4): answer it and follow its direction. */
  private reinvite(offer: string): string | undefined {
    const answered = answerOffer(offer, this.localMedia(true));
    if ('error' in answered) return undefined;
    this.useMedia(answered.media);
    return answered.sdp;
  }

  /** Starts or changes RTP to what SDP negotiated (the answer, or a hold/resume re-INVITE). */
  private useMedia(media: NegotiatedMedia): void {
    this.negotiated = media;
    this.stream?.configure(streamParams(media));
    this.applyToneDetection();
  }

  /**
   * Keys come as RFC 4733 events when the peer negotiated telephone-event; only a peer that did
   * not gets the in-band detector, and only while a verb listens (sip-media-notes pitfall 21).
   */
  listenForTones(on: boolean): void {
    this.wantsTones = on;
    this.applyToneDetection();
  }

  private applyToneDetection(): void {
    if (this.state !== 'answered' || !this.negotiated) return;
    this.stream?.detectInbandDtmf(this.wantsTones && this.negotiated.telephoneEventPt === undefined);
  }

  private ringTimeout(): void {
    this.ringTimer = undefined;
    if (this.state !== 'starting' && this.state !== 'ringing') return;
    this.outgoing?.cancel();
    this.end('no-answer', 487);
  }

  private streamEvents() {
    return {
      dtmf: (digit: string) => this.safely(() => {
        if (this.state === 'answered') this.listener?.digits(digit);
      }),
      failed: (error: Error) => this.safely(() => {
        // The media worker died: the call has no audio any more, so it ends rather than hangs.
        if (this.state !== 'ended') this.drop(`the call's media stopped (${error.message})`, this.brokenEnd(), 500);
      }),
      rtpTimeout: () => this.safely(() => {
        // The far end went silent for good (no RTP at all): treat it as gone and hang up.
        if (this.state === 'answered') this.drop('no RTP received from the far end for too long', 'remote-hangup', 408);
      }),
    };
  }

  private localMedia(changed = false) {
    if (changed) this.sdpVersion++;
    return { address: this.host.contactHost, port: this.stream!.localPort, sessionId: String(sessionIdOf(this.callSid)), version: this.sdpVersion };
  }

  /** Media waits for an answer the session already gave; before that it may only Pause. */
  private answeredStream(allowEarly: boolean): Promise<RtpStream | undefined> {
    if (this.state === 'ended') return Promise.reject(new Error('The call is over'));
    if (this.state === 'answered' || this.state === 'answering') return this.answeredSignal.promise;
    if (allowEarly) return Promise.resolve(undefined);
    return Promise.reject(new Error('The call is not answered yet'));
  }

  private onEnd(reject: (error: Error) => void): () => void {
    if (this.state === 'ended') {
      reject(new Error('The call is over'));
      return () => undefined;
    }
    this.endWatchers.add(reject);
    return () => this.endWatchers.delete(reject);
  }

  /**
   * The one way a leg stops; `reason` is given when the listener must hear of it (the far end
   * or the network ended the call). State first, listener last, so re-entrant calls see `ended`.
   */
  private end(reason?: LegEndReason, sipResponseCode?: number): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.ringTimer?.cancel();
    this.stream?.close();
    const over = new Error('The call is over');
    this.answeredSignal.reject(over);
    for (const reject of this.endWatchers) reject(over);
    this.endWatchers.clear();
    const listener = this.listener;
    this.listener = undefined;
    if (reason !== undefined) listener?.ended(reason, sipResponseCode);
  }
}

function streamParams(media: NegotiatedMedia) {
  return {
    remoteAddress: media.remoteAddress, remotePort: media.remotePort, payloadType: media.payloadType,
    telephoneEventPt: media.telephoneEventPt, send: media.send,
    // A call on hold (we may not send) expects no RTP either: many phones send none while
    // holding, and the RTP timeout must not hang them up.
    receive: media.receive && media.send,
  };
}

/**
 * The SIP user part for our From: the caller ID as given, stripped of a `sip:`/`client:` scheme;
 * `anonymous` when nothing is left (RFC 3261 §8.1.1.3 suggests it for an unknown caller).
 */
function fromUser(from: string): string {
  const user = from.replace(/^(sips?|client):/i, '').replace(/@.*$/, '');
  return user ? encodeURIComponent(user).replace(/%2B/gi, '+') : 'anonymous';
}

/** A host as a SIP URI writes it: IPv6 literals in brackets (RFC 3261 §25.1 `IPv6reference`). */
function uriHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A stable numeric SDP session id per call (RFC 4566 §5.2 wants an NTP-like number). */
function sessionIdOf(callSid: string): number {
  return parseInt(callSid.slice(2, 12), 16);
}

/** `Promise.withResolvers` (Node 22) for Node 20. */
function settleLater<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
