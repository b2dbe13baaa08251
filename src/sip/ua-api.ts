import type { Clock } from '../ports/clock.js';
import type { SipLogger } from './logger.js';
import type { SipHeader, SipRequest, SipResponse, SipAddress, SipUri } from './message/types.js';
import type { SipTransport } from './transport/transport.js';

/** Methods we implement, advertised in Allow (RFC 3261 §20.5). */
export const ALLOWED_METHODS = 'INVITE, ACK, CANCEL, BYE, OPTIONS';

/** How the SIP user agent is wired (see `SipUserAgent`). */
export interface UserAgentOptions {
  /** A started UdpTransport (any SipTransport with close(), so tests can use a fake); close() closes it. */
  transport: SipTransport & { close(): Promise<void> };
  clock: Clock;
  /** host:port put in Contact/Via, never 0.0.0.0 (sip-media-notes pitfall 6). */
  contactHost: string;
  contactPort: number;
  userAgentName?: string;
  logger?: SipLogger;
}

/** An INVITE that starts a new call (RFC 3261 §13.3), as handed to `onInvite`. */
export interface IncomingInvite {
  readonly request: SipRequest;
  readonly source: SipAddress;
  /** SDP body, or undefined for an offerless INVITE (the offer then goes in our 200). */
  readonly offer: string | undefined;
  /** 180 (or 183 with sdp). Same To-tag on every response of this INVITE. No-op once answered. */
  progress(status?: 180 | 183, sdp?: string): void;
  /**
   * 200 OK with our SDP; retransmits the 2xx (T1 doubling to T2) until the ACK; 64*T1 without
   * ACK → BYE and the dialog's onEnded('ack-timeout'). Returns the dialog. Throws when the
   * INVITE already got a final response (cancelled, rejected or accepted).
   */
  accept(sdp: string): Dialog;
  /** Final non-2xx: 486, 603, 404, 480, 488, 500, ... No-op once answered. */
  reject(status: number, reason?: string): void;
  /**
   * The caller CANCELled before we answered (the layer already sent 200 to the CANCEL and 487 to
   * the INVITE), or the transaction failed before an answer (transport error).
   */
  onCancel: (() => void) | undefined;
}

/** Progress of an INVITE we sent. Exactly one of `accepted` / `failed` is called, once. */
export interface OutgoingInviteListener {
  provisional(status: number, response: SipResponse): void;
  accepted(dialog: Dialog, response: SipResponse): void;
  /** Final failure: the status (408 on timer B, 503 on transport error, 487 after our cancel). */
  failed(status: number, response: SipResponse | undefined): void;
}

export interface OutgoingInvite {
  /** The INVITE's Call-ID (RFC 3261 §8.1.1.4), e.g. for `DialSipCallId`. */
  readonly callId: string;
  /** Sends CANCEL once a provisional arrived (or as soon as one does); a 2xx that races it gets ACK then BYE. Idempotent. */
  cancel(): void;
}

/** What `SipUserAgent.invite` sends. */
export interface OutgoingInviteRequest {
  uri: SipUri | string;
  from: { uri: string; displayName?: string };
  to?: string;
  sdp: string;
  auth?: { username: string; password: string };
  headers?: SipHeader[];
}

/** An established INVITE dialog (RFC 3261 §12) as the Carrier sees it. */
export interface Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /**
   * SDP offer of a re-INVITE (hold/resume); return our answer SDP, or undefined to refuse with
   * 488. Offerless re-INVITE: called with undefined, our offer goes in the 200 and the answer
   * arrives in the ACK (onAckSdp).
   */
  onReinvite: ((offer: string | undefined) => string | undefined) | undefined;
  onAckSdp: ((answer: string) => void) | undefined;
  /** The far end sent BYE (already answered 200), or the dialog died (ack-timeout, transport failure). */
  onEnded: ((reason: 'bye' | 'ack-timeout' | 'failed') => void) | undefined;
  /** Sends BYE (Request-URI = remote target, Route from the route set, our own CSeq). Resolves on the final response or timeout; idempotent. */
  bye(): Promise<void>;
}
