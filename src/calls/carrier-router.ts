import type { Carrier, DialRequest, InboundHandler, Leg, LegListener } from '../ports/carrier.js';

/** A carrier that takes some destinations, and says which. */
export interface RoutedCarrier extends Carrier {
  routes(to: string): boolean;
}

/**
 * Sends each outbound call to the first carrier that routes its `To`, else to the default
 * (the simulated network); inbound calls from every carrier reach the one handler. This is how
 * SIP and the simulated network serve one server side by side (issue point 5).
 */
export class CarrierRouter implements Carrier {
  constructor(
    private readonly routed: readonly RoutedCarrier[],
    private readonly fallback: Carrier,
  ) {}

  dial(request: DialRequest, listener: LegListener): Leg {
    const carrier = this.routed.find((c) => c.routes(request.to)) ?? this.fallback;
    return carrier.dial(request, listener);
  }

  onInbound(handler: InboundHandler): void {
    for (const carrier of [...this.routed, this.fallback]) carrier.onInbound(handler);
  }
}
