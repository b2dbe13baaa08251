import { TwilioError } from '../domain/errors.js';
import type { Carrier, DialRequest, InboundHandler, InboundOffer, Leg, LegListener } from '../ports/carrier.js';
import { guarded } from './logger.js';
import { fromOf } from './message/headers.js';
import type { SipUri } from './message/types.js';
import type { SipRegistrar } from './registrar.js';
import { clientCaller, clientContact, refuseUnregistered, sipClientFor } from './sip-clients.js';
import { SipLeg, type SipLegHost } from './sip-leg.js';
import { offerProblem } from './sdp.js';
import { endpointOf, phoneNumberOf, sipTargetFor, type SipTrunk } from './sip-endpoints.js';
import type { IncomingInvite } from './user-agent.js';

export interface SipCarrierOptions extends SipLegHost {
  /** Where outbound calls to phone numbers go; without one, only `sip:` addresses are dialled. */
  trunk?: SipTrunk;
  /** The SIP clients (`--sip-clients`): `client:alice` rings alice's registered phone. */
  registrar?: SipRegistrar;
}

/**
 * The Carrier port over SIP/RTP (issue "Real phones"): outbound calls are INVITEs to a `sip:`
 * address or through the trunk; inbound INVITEs are offered to the core, which answers with
 * the number's TwiML. Every verb and live-call update of the core works unchanged on these legs.
 */
export class SipCarrier implements Carrier {
  private inboundHandler: InboundHandler | undefined;
  /** What every leg shares, with the live legs by SID (a `<Dial>` child is placed beside its parent). */
  private readonly host: SipLegHost;

  constructor(private readonly options: SipCarrierOptions) {
    this.host = { ...options, legs: new Map() };
    options.ua.onInvite((invite) => this.offerInbound(invite));
  }

  /** True when a call to `to` goes over SIP (a `sip:` address, a number with a trunk, or a SIP client). */
  routes(to: string): boolean {
    return sipTargetFor(to, this.options.trunk) !== undefined || sipClientFor(to, this.options.registrar) !== undefined;
  }

  dial(request: DialRequest, listener: LegListener): Leg {
    const client = sipClientFor(request.to, this.options.registrar);
    // A SIP client is reached at its registered Contact; a phone's own password is for it to
    // check ours, never sent, so a client call carries no digest credentials.
    const target = client ? clientContact(client) : sipTargetFor(request.to, this.options.trunk);
    if (!target && !client) throw new Error(`${request.to} has no SIP route`);
    const leg = new SipLeg(this.host, request.callSid, 'outbound', listener);
    if (!target) return refuseUnregistered(leg, client!, listener);
    const trunk = this.options.trunk;
    const auth = client ? undefined : request.sipAuth ?? (trunk?.username ? { username: trunk.username, password: trunk.password ?? '' } : undefined);
    // Both legs of a bridge on one media worker, so RTP is relayed there without a thread hop.
    const near = request.nearCallSid === undefined ? undefined : this.host.legs?.get(request.nearCallSid)?.nearStream();
    // No event can reach the listener before dial() returns: every one waits for real I/O.
    leg.start(target, request, request.from, auth, near);
    return leg;
  }

  onInbound(handler: InboundHandler): void {
    this.inboundHandler = handler;
  }

  /**
   * An INVITE arrived (100 Trying already sent): ring (180), offer it to the core, which fetches
   * the number's VoiceUrl and answers with 200 OK unless the document starts with `<Reject>`
   * (issue point 5: no early media). An unknown number gets 404, any other refusal 500.
   */
  private offerInbound(invite: IncomingInvite): void {
    const handler = this.inboundHandler;
    if (!handler) return invite.reject(503, 'Service Unavailable');
    // RFC 3261 §13.3.1.1 / RFC 3264 §6: an offer we could never answer is refused at once with
    // 488, before a call exists, rather than rung and fetched to fail at the answer.
    const unusable = invite.offer === undefined ? undefined : offerProblem(invite.offer);
    if (unusable) return invite.reject(488, 'Not Acceptable Here');
    invite.progress(180);
    const offer = new SipOffer(this.host, invite);
    handler(offer).catch((error: unknown) => {
      if (offer.leg) offer.leg.hangup();
      const status = error instanceof TwilioError && error.status === 404 ? 404 : 500;
      guarded(this.options.log, 'refuse inbound', () => invite.reject(status));
      if (status === 500) this.options.log.warn({ err: error }, 'SIP: an inbound call was refused');
    });
  }
}

/** An inbound INVITE offered to the core; `attach` creates its leg. */
class SipOffer implements InboundOffer {
  readonly from: string;
  readonly to: string;
  leg: SipLeg | undefined;

  constructor(
    private readonly host: SipCarrierOptions,
    private readonly invite: IncomingInvite,
  ) {
    this.from = clientCaller(invite, host.registrar) ?? endpointOf(fromOf(invite.request).uri);
    this.to = calledEndpoint(invite.request.uri);
  }

  attach(callSid: string, listener: LegListener): Leg {
    if (this.leg) throw new Error('This inbound offer is already attached');
    this.leg = new SipLeg(this.host, callSid, 'inbound', listener);
    this.leg.prepareInbound(this.invite);
    return this.leg;
  }
}

/**
 * The number an INVITE calls is its Request-URI's user part (what a trunk routes on), E.164 when
 * it is a phone number with or without `+`; else the SIP address itself.
 */
function calledEndpoint(uri: SipUri): string {
  return phoneNumberOf(uri.user) ?? endpointOf(uri);
}
