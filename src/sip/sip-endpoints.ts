import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { SipAddress, SipUri } from './message/types.js';
import { formatUri, parseUri, uriHost } from './message/uri.js';

/** A SIP trunk that outbound calls to phone numbers go through (`--sip-trunk`). */
export interface SipTrunk {
  /** Where INVITEs go, e.g. `sip:trunk.example.com:5060`. */
  host: string;
  port: number;
  /** Digest credentials the trunk may challenge for; a call's own SipAuth* wins. */
  username?: string;
  password?: string;
}

/** A user part that is a phone number: an optional `+` and 7 to 15 digits, the first not zero. */
const PHONE_USER = /^\+?([1-9]\d{6,14})$/;

/**
 * Parses `--sip-trunk sip:[user[:password]@]host[:port]`. The user part, when present, is the
 * digest username for the trunk, as most providers issue it.
 */
export function parseTrunk(text: string): SipTrunk {
  let uri: SipUri;
  try {
    uri = parseUri(text);
  } catch {
    throw new RangeError(`--sip-trunk must be a SIP URI such as sip:trunk.example.com:5060, not "${text}"`);
  }
  if (uri.scheme !== 'sip') throw new RangeError(`--sip-trunk must be a sip: URI, not "${text}"`);
  return { host: uri.host, port: uri.port ?? 5060, username: uri.user, password: uri.password };
}

/**
 * A SIP address as Twilio's webhooks show it (`From`/`To`): E.164 when the user part is a phone
 * number, otherwise `sip:user@host` (the issue's routing rule; docs/compatibility.md).
 */
export function endpointOf(uri: SipUri): string {
  const phone = phoneNumberOf(uri.user);
  if (phone) return phone;
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') return formatUri(uri);
  return `${uri.scheme}:${uri.user ? `${uri.user}@` : ''}${uriHost(uri.host)}`;
}

/** `+15005550006` or `15005550006` → `+15005550006`; anything else → undefined. */
export function phoneNumberOf(user: string | undefined): string | undefined {
  const match = user ? PHONE_USER.exec(user) : null;
  return match ? `+${match[1]}` : undefined;
}

/** Where an outbound call to `to` goes over SIP, or undefined when it is not a SIP call. */
export function sipTargetFor(to: string, trunk: SipTrunk | undefined): SipUri | undefined {
  // sips: would need TLS (RFC 3261 §26.2.2), which the edge does not speak; create refuses it.
  if (/^sip:/i.test(to)) {
    try {
      return parseUri(to);
    } catch {
      return undefined;
    }
  }
  if (trunk && phoneNumberOf(to)) {
    return { scheme: 'sip', user: to, host: trunk.host, port: trunk.port, params: {}, headers: {} };
  }
  return undefined;
}

/** A SIP URI to a UDP address (RFC 3263 reduced to A records): `maddr` overrides the host; port defaults to 5060. */
export async function resolveHop(uri: SipUri): Promise<SipAddress> {
  const host = uri.params.maddr ?? uri.host;
  const port = uri.port ?? 5060;
  if (isIP(host)) return { address: host, port };
  const resolved = await lookup(host);
  return { address: resolved.address, port };
}
