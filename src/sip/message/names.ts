/**
 * Header names: compact forms (RFC 3261 §7.3.3, §20; RFC 3265, 3515, 3892, 4028, 3841) and the
 * canonical spelling each name is stored under.
 */

const COMPACT: Record<string, string> = {
  v: 'Via', i: 'Call-ID', f: 'From', t: 'To', m: 'Contact', l: 'Content-Length', c: 'Content-Type',
  k: 'Supported', s: 'Subject', e: 'Content-Encoding', o: 'Event', u: 'Allow-Events', r: 'Refer-To',
  b: 'Referred-By', x: 'Session-Expires', a: 'Accept-Contact', j: 'Reject-Contact', d: 'Request-Disposition',
  y: 'Identity', n: 'Identity-Info',
};

const CANONICAL = new Map<string, string>();
for (const name of [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info',
  'Event', 'Expires', 'From', 'Identity', 'Identity-Info', 'In-Reply-To', 'Max-Forwards', 'MIME-Version',
  'Min-Expires', 'Min-SE', 'Organization', 'P-Asserted-Identity', 'P-Preferred-Identity', 'Path', 'Priority',
  'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason', 'Record-Route',
  'Refer-To', 'Referred-By', 'Reject-Contact', 'Replaces', 'Reply-To', 'Request-Disposition', 'Require',
  'Retry-After', 'Route', 'RSeq', 'Server', 'Session-Expires', 'Subject', 'Subscription-State', 'Supported',
  'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning', 'WWW-Authenticate',
]) CANONICAL.set(name.toLowerCase(), name);

/**
 * Headers whose grammar is a comma-separated list (§7.3.1), so the parser stores one entry per
 * element. Absent on purpose: WWW-Authenticate, Authorization, Proxy-Authenticate,
 * Proxy-Authorization (commas separate auth-params) and Date (its value contains a comma).
 */
const LIST_HEADERS = new Set([
  'accept', 'accept-contact', 'accept-encoding', 'accept-language', 'alert-info', 'allow', 'allow-events',
  'call-info', 'contact', 'content-encoding', 'content-language', 'error-info', 'in-reply-to', 'path',
  'p-asserted-identity', 'p-preferred-identity', 'proxy-require', 'record-route', 'reject-contact', 'require',
  'route', 'supported', 'unsupported', 'via', 'warning',
]);

/** Lower-cased full name, the key two header names are compared by. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.length === 1 ? (COMPACT[lower]?.toLowerCase() ?? lower) : lower;
}

/** The stored spelling: compact forms expanded, known names canonical, unknown names as sent. */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  return CANONICAL.get(key) ?? name;
}

export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(headerKey(name));
}
