import type { DialRequest, Leg, LegEndReason, LegListener } from '../ports/carrier.js';
import type { Clock, Timer } from '../ports/clock.js';
import { legIsUp, LegLifecycle } from '../ports/leg-state.js';
import type { Tts } from '../ports/tts.js';
import type { SipLogger } from './logger.js';
import type { SipUri } from './message/types.js';
import type { MediaEngine, RtpStream } from './rtp/media-engine.js';
import { answerOffer, createOffer, readAnswer, type NegotiatedMedia } from './sdp.js';
import { uriHost } from './message/uri.js';
import { fromUser, reasonForFailure, sessionIdOf, settleLater, streamParams } from './sip-leg-parts.js';
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
  /** Live legs by call SID, kept by the carrier to place a `<Dial>` child beside its parent. */
  readonly legs?: Map<string, SipLeg>;
}

/**
 * The leg's LegState (ports/leg-state.ts), as SIP sees it:
 * - `dialing`: outbound, the RTP port is being opened or the INVITE has had no 180/183 yet;
 * - `ringing`: outbound, a provisional response came; inbound, the INVITE waits for our answer
 *   (with `answering` set once `answer()` was called and the 200 OK waits for the RTP port);
 * - `answered`: the dialog is up and RTP flows; `bridged`: its RTP is linked to another leg's;
 * - `held`: a re-INVITE put the stream on hold (RFC 3264 §8.4), either side's doing;
 * - `ended`: one guarded path into `end()`, so every stop is idempotent.
 */
/**
 * One call leg over SIP: the Leg the session drives, built on the user agent's INVITE
 * transactions and dialog, with a Media port on an RTP stream. The session's own actions
 * (answer, reject, hangup) never call the listener back; only the far end or the network ends
 * a leg with `ended(reason)` (carrier contract).
 */
export class SipLeg implements Leg {
  readonly media: SipMedia;

  /** The Call-ID of the INVITE we sent, for an outbound leg (`DialSipCallId`, dial.md §5). */
  get sipCallId(): string | undefined {
    return this.outgoing?.callId;
  }

  /** The `X-` headers of the final response to our INVITE (`DialSipHeader_<name>`, dial.md §5). */
  sipFinalHeaders: Record<string, string> = {};
  private readonly life: LegLifecycle;
  /** Inbound: `answer()` was called; the 200 OK goes out once the RTP port is open. */
  private answering = false;
  /** Inbound: hung up by us between `answer()` and the 200 OK; the BYE follows the 200. */
  private byeOnAnswer = false;
  /** Joined to another leg: a resume from hold goes back to `bridged`. */
  private linked = false;
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
    this.life = new LegLifecycle(direction === 'outbound' ? 'dialing' : 'ringing');
    host.legs?.set(callSid, this);
    this.answeredSignal.promise.catch(() => undefined); // observed through answeredStream()
    this.media = new SipMedia({
      clock: host.clock,
      tts: host.tts,
      audio: host.audio,
      answeredStream: (allowEarly) => this.answeredStream(allowEarly),
      currentStream: () => (this.isUp() ? this.stream : undefined),
      bridged: (on) => this.setBridged(on),
      listenForTones: (on) => this.listenForTones(on),
      notice: (code, message) => this.listener?.notice(code, message),
      onEnd: (reject) => this.onEnd(reject),
    });
  }

  /**
   * Outbound: opens the RTP port, then sends the INVITE. Runs after `dial()` returned the leg;
   * the ring timeout counts from the dial, not from when the port was ready.
   */
  start(target: SipUri, request: DialRequest, from: string, auth: DialRequest['sipAuth'], near?: RtpStream): void {
    this.startOutbound(target, request, from, auth, near).catch((error: unknown) => this.fail(error));
  }

  private async startOutbound(target: SipUri, request: DialRequest, from: string, auth: DialRequest['sipAuth'], near: RtpStream | undefined): Promise<void> {
    this.ringTimer = this.host.clock.setTimer(request.ringTimeoutMs, () => this.ringTimeout());
    try {
      this.stream = await this.host.engine.openStream(this.streamEvents(), { near });
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
        accepted: (dialog, response) => this.safely(() => {
          this.sipFinalHeaders = xHeaders(response.headers);
          this.accepted(dialog, response.body.toString());
        }),
        failed: (status, response) => this.safely(() => {
          if (response) this.sipFinalHeaders = xHeaders(response.headers);
          this.end(reasonForFailure(status), status);
        }),
      },
    );
  }

  /** Inbound: the INVITE rings (180 sent by the carrier) while the RTP port opens. */
  prepareInbound(invite: IncomingInvite): void {
    this.openInbound(invite).catch((error: unknown) => this.fail(error));
  }

  private async openInbound(invite: IncomingInvite): Promise<void> {
    this.incoming = invite;
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
    if (this.direction !== 'inbound' || this.life.state !== 'ringing' || this.answering) return;
    this.answering = true;
    if (this.stream) this.acceptInbound();
  }

  reject(reason: 'busy' | 'rejected'): void {
    // <Reject>: busy answers 486, the default rejected answers 603 (issue: verbs on real audio).
    if (this.direction !== 'inbound' || this.life.state !== 'ringing' || this.answering) return;
    this.incoming?.reject(reason === 'busy' ? 486 : 603);
    this.end();
  }

  hangup(): void {
    if (this.isEnded()) return;
    if (this.dialog) void this.dialog.bye();
    else if (this.outgoing) this.outgoing.cancel();
    else if (this.answering) {
      // The call was answered (its record says so) but the 200 OK waits for the RTP port:
      // send it, then the BYE, so the caller sees the call the record shows, never a 487.
      this.byeOnAnswer = true;
      return;
    } else this.incoming?.reject(487, 'Request Terminated');
    this.end();
  }

  /**
   * Something unexpected broke the leg (a bug, or input nothing else caught): the call fails
   * rather than hanging, and the process goes on (design.md: no input crashes the process).
   */
  private fail(error: unknown): void {
    if (this.isEnded()) return;
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

  private isEnded(): boolean {
    return this.life.state === 'ended';
  }

  /** Reads the state afresh after an await (TypeScript narrows it across the await otherwise). */
  private isAnswering(): boolean {
    return this.answering && this.life.state === 'ringing';
  }

  /** The dialog is up (answered, bridged or held): keys count, media may play. */
  private isUp(): boolean {
    return legIsUp(this.life.state);
  }

  /** The stream a `<Dial>` child is placed beside (same media worker), while this leg lives. */
  nearStream(): RtpStream | undefined {
    return this.isEnded() ? undefined : this.stream;
  }

  private provisional(status: number): void {
    if (this.life.state !== 'dialing' || status < 180) return;
    this.life.to('ringing');
    this.listener?.ringing();
  }

  private accepted(dialog: Dialog, answerSdp: string): void {
    if (this.isEnded()) {
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
    this.life.to('answered');
    dialog.onEnded = (why) => this.safely(() => this.end('remote-hangup', why === 'bye' ? 200 : 408));
    dialog.onReinvite = (offer) => (offer === undefined ? createOffer(this.localMedia(true)) : this.reinvite(offer));
    dialog.onAckSdp = (answer) => this.safely(() => {
      const next = readAnswer(answer);
      if ('error' in next) this.drop(`the SDP answer in the far end's ACK is unusable: ${next.error}`, 'failed', 488);
      else this.useMedia(next);
    });
    if (media) this.useMedia(media);
    this.answeredSignal.resolve(this.stream!);
    if (this.byeOnAnswer) {
      void dialog.bye();
      this.end();
    }
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
    this.followHold(media);
    this.applyToneDetection();
  }

  /** Hold is a direction other than sendrecv, from either side (RFC 3264 §8.4); resume undoes it. */
  private followHold(media: NegotiatedMedia): void {
    const onHold = !media.send || !media.receive;
    const state = this.life.state;
    if (onHold && (state === 'answered' || state === 'bridged')) this.life.to('held');
    else if (!onHold && state === 'held') this.life.to(this.linked ? 'bridged' : 'answered');
  }

  /** A media join started or stopped on this leg (SipMedia.join). */
  private setBridged(on: boolean): void {
    this.linked = on;
    const state = this.life.state;
    if (on && state === 'answered') this.life.to('bridged');
    else if (!on && state === 'bridged') this.life.to('answered');
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
    if (!this.isUp() || !this.negotiated) return;
    this.stream?.detectInbandDtmf(this.wantsTones && this.negotiated.telephoneEventPt === undefined);
  }

  private ringTimeout(): void {
    this.ringTimer = undefined;
    if (this.life.state !== 'dialing' && this.life.state !== 'ringing') return;
    this.outgoing?.cancel();
    this.end('no-answer', 487);
  }

  private streamEvents() {
    return {
      dtmf: (digit: string) => this.safely(() => {
        if (!this.isUp()) return;
        this.listener?.digits(digit);
        this.media.heard({ kind: 'digits', digits: digit });
      }),
      audio: (pcm: Int16Array) => this.safely(() => {
        if (this.isUp()) this.media.heard({ kind: 'audio', pcm });
      }),
      failed: (error: Error) => this.safely(() => {
        // The media worker died: the call has no audio any more, so it ends rather than hangs.
        if (!this.isEnded()) this.drop(`the call's media stopped (${error.message})`, this.brokenEnd(), 500);
      }),
      rtpTimeout: () => this.safely(() => {
        // The far end went silent for good (no RTP at all): treat it as gone and hang up.
        if (this.isUp()) this.drop('no RTP received from the far end for too long', 'remote-hangup', 408);
      }),
    };
  }

  private localMedia(changed = false) {
    if (changed) this.sdpVersion++;
    return { address: this.host.contactHost, port: this.stream!.localPort, sessionId: String(sessionIdOf(this.callSid)), version: this.sdpVersion };
  }

  /** Media waits for an answer the session already gave; before that it may only Pause. */
  private answeredStream(allowEarly: boolean): Promise<RtpStream | undefined> {
    if (this.isEnded()) return Promise.reject(new Error('The call is over'));
    if (this.isUp() || this.answering) return this.answeredSignal.promise;
    if (allowEarly) return Promise.resolve(undefined);
    return Promise.reject(new Error('The call is not answered yet'));
  }

  private onEnd(reject: (error: Error) => void): () => void {
    if (this.isEnded()) {
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
    if (!this.life.tryTo('ended')) return;
    if (this.host.legs?.get(this.callSid) === this) this.host.legs.delete(this.callSid);
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

/** The `X-` headers of a response, by name as sent (the last of a repeated name wins). */
function xHeaders(headers: readonly { name: string; value: string }[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const header of headers) if (/^x-/i.test(header.name)) found[header.name] = header.value;
  return found;
}
