import type { SipAddress, SipMessage } from '../message/types.js';

/**
 * What the transaction layer needs from a transport (RFC 3261 §18): send one message to one
 * address, and hand every parsed incoming message up with the address it came from. The UDP
 * transport implements it; tests use an in-memory fake.
 */
export interface SipTransport {
  /** Resolves once the message left; rejects on a transport error (RFC 3261 §17.1.4). */
  send(message: SipMessage, to: SipAddress): Promise<void>;
  /** Registers the one handler for incoming messages; a later call replaces it. */
  onMessage(handler: (message: SipMessage, source: SipAddress) => void): void;
}
