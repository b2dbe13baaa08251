/**
 * SipMessage → bytes (RFC 3261 §7). Header values are written as stored; Content-Length is
 * always recomputed from the body (§20.14: mandatory over stream transports, harmless on UDP),
 * so a caller can never send a length that disagrees with what follows.
 */
import { headerKey } from './names.js';
import type { SipMessage } from './types.js';
import { formatUri } from './uri.js';

export function serializeMessage(m: SipMessage): Buffer {
  let head = m.kind === 'request' ? `${m.method} ${formatUri(m.uri)} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  for (const h of m.headers) {
    if (headerKey(h.name) === 'content-length') continue;
    if (/[\r\n]/.test(h.name) || /[\r\n]/.test(h.value)) throw new TypeError(`Header ${JSON.stringify(h.name)} contains a line break`);
    head += `${h.name}: ${h.value}\r\n`;
  }
  head += `Content-Length: ${m.body.length}\r\n\r\n`;
  const headBytes = Buffer.from(head, 'utf8');
  return m.body.length === 0 ? headBytes : Buffer.concat([headBytes, m.body]);
}
