/**
 * Semantic checks a UAS makes before processing a request that parsed (RFC 3261 §8.2, §21.4.1):
 * the mandatory header fields are present once and well formed, CSeq names the request's
 * method, and the Request-URI carries no headers (§19.1.1). The parser itself stays
 * structural and lazy; this walks every field a transaction or dialog will later read, so a
 * request that passes will not fail later on a malformed field.
 */
import { fail, SipParseError } from './errors.js';
import { parseCSeq, parseNameAddr, parseVia } from './fields.js';
import { callIdOf, getHeaders, maxForwardsOf } from './headers.js';
import type { SipMessage, SipRequest, SipResponse } from './types.js';

/** Why a message must be refused; `reason` names the problem, as §21.4.1 recommends. */
export interface ValidationProblem {
  status: 400;
  reason: string;
}

const DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/;

/** The first problem with `req`, or undefined when it may be processed. */
export function validateRequest(req: SipRequest): ValidationProblem | undefined {
  const common = validateCommon(req);
  if (common !== undefined) return common;
  const single = exactlyOne(req, 'Max-Forwards');
  if (single !== undefined) return single;
  const cseqMethod = parseCSeq(getHeaders(req.headers, 'CSeq')[0]!).method;
  if (cseqMethod !== req.method) return problem('CSeq method does not match the request method');
  if (Object.keys(req.uri.headers).length > 0) return problem('Request-URI must not contain headers');
  return attempt('Max-Forwards', () => maxForwardsOf(req)) ??
    checkEach(req, 'Contact', (v) => (v.trim() === '*' ? undefined : parseNameAddr(v))) ??
    checkEach(req, 'Route', parseNameAddr) ??
    checkEach(req, 'Record-Route', parseNameAddr) ??
    checkEach(req, 'Date', (v) => (DATE.test(v) ? undefined : fail('bad date'))) ??
    checkEach(req, 'Expires', (v) => (/^[0-9]{1,10}$/.test(v) ? undefined : fail('bad expires')));
}

/**
 * The first problem with `res`, or undefined. A UAC silently discards a response that fails
 * (§18.1.2: no response is ever sent to a response).
 */
export function validateResponse(res: SipResponse): ValidationProblem | undefined {
  return validateCommon(res) ?? checkEach(res, 'Record-Route', parseNameAddr) ??
    checkEach(res, 'Contact', (v) => (v.trim() === '*' ? undefined : parseNameAddr(v)));
}

function validateCommon(m: SipMessage): ValidationProblem | undefined {
  for (const name of ['Call-ID', 'CSeq', 'From', 'To']) {
    const single = exactlyOne(m, name);
    if (single !== undefined) return single;
  }
  if (getHeaders(m.headers, 'Via').length === 0) return problem('Missing Via header field');
  return checkEach(m, 'Via', parseVia) ??
    checkEach(m, 'From', parseNameAddr) ??
    checkEach(m, 'To', parseNameAddr) ??
    attempt('Call-ID', () => callIdOf(m)) ??
    checkEach(m, 'CSeq', parseCSeq);
}

function exactlyOne(m: SipMessage, name: string): ValidationProblem | undefined {
  const count = getHeaders(m.headers, name).length;
  if (count === 0) return problem(`Missing ${name} header field`);
  if (count > 1) return problem(`Multiple ${name} header fields`);
  return undefined;
}

function checkEach(m: SipMessage, name: string, check: (value: string) => unknown): ValidationProblem | undefined {
  for (const value of getHeaders(m.headers, name)) {
    const found = attempt(name, () => check(value));
    if (found !== undefined) return found;
  }
  return undefined;
}

function attempt(name: string, check: () => unknown): ValidationProblem | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (err instanceof SipParseError) return problem(`Malformed ${name} header field`);
    throw err;
  }
}

function problem(reason: string): ValidationProblem {
  return { status: 400, reason };
}
