import type { Leg, LegListener } from '../ports/carrier.js';
import type { SipUri } from './message/types.js';
import { fromOf } from './message/headers.js';
import type { SipRegistrar } from './registrar.js';
import type { IncomingInvite } from './ua-api.js';

/** Twilio's "SIP endpoint not registered" (dial.md §8). */
export const NOT_REGISTERED = 32009;

/** A `client:alice` destination whose identity is in the SIP clients file. */
export interface SipClientTarget {
  identity: string;
  registrar: SipRegistrar;
}

/** `client:alice` → alice's target when alice is a SIP client; undefined for anything else (the simulated network's). */
export function sipClientFor(to: string, registrar: SipRegistrar | undefined): SipClientTarget | undefined {
  const match = /^client:(.+)$/i.exec(to);
  if (!match || !registrar || !registrar.isClient(match[1]!)) return undefined;
  return { identity: match[1]!, registrar };
}

/** Where a SIP client is called: the Contact of its most recent registration (no parallel forking to older ones). */
export function clientContact(target: SipClientTarget): SipUri | undefined {
  return target.registrar.bindingsOf(target.identity)[0]?.contact;
}

/**
 * A SIP client with no registration: the call fails with Notification 32009 and no INVITE, as
 * Twilio's does, reported after `dial()` returned like every carrier event.
 */
export function refuseUnregistered(leg: Leg, target: SipClientTarget, listener: LegListener): Leg {
  leg.hangup(); // nothing was sent: this only marks the leg ended, without telling the listener
  queueMicrotask(() => {
    listener.notice(NOT_REGISTERED, `SIP endpoint not registered: client:${target.identity} has no current registration`, 0);
    // 480 Temporarily Unavailable: what a proxy answers for an address of record with no binding (RFC 3261 §10.3, §16.5 context).
    listener.ended('failed', 480);
  });
  return leg;
}

/**
 * `client:alice` for an INVITE from a phone registered as alice (From user alice, sent from the
 * address it registered from), as Twilio's webhooks name a client caller; else undefined.
 */
export function clientCaller(invite: IncomingInvite, registrar: SipRegistrar | undefined): string | undefined {
  const identity = registrar?.identityAt(fromOf(invite.request).uri.user, invite.source);
  return identity === undefined ? undefined : `client:${identity}`;
}
