/** Rules of a SIP leg that need no leg: failure codes, stream parameters, URI and SDP details. */
import type { LegEndReason } from '../ports/carrier.js';
import type { StreamParams } from './rtp/media-engine.js';
import type { NegotiatedMedia } from './sdp.js';

/** How a final failure response to our INVITE ends the call (issue: failure behaviour). */
export function reasonForFailure(status: number): LegEndReason {
  if (status === 486 || status === 600) return 'busy';
  if (status === 603 || status === 480 || status === 487) return 'no-answer';
  return 'failed';
}

export function streamParams(media: NegotiatedMedia): StreamParams {
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
export function fromUser(from: string): string {
  const user = from.replace(/^(sips?|client):/i, '').replace(/@.*$/, '');
  return user ? encodeURIComponent(user).replace(/%2B/gi, '+') : 'anonymous';
}

/** A stable numeric SDP session id per call (RFC 4566 §5.2 wants an NTP-like number). */
export function sessionIdOf(callSid: string): number {
  return parseInt(callSid.slice(2, 12), 16);
}

/** `Promise.withResolvers` (Node 22) for Node 20. */
export function settleLater<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
