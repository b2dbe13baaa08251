/** The SIP message layer (RFC 3261 §7, §19, §20, §25): model, parsing, serializing, fields. */
export * from './types.js';
export { SipParseError } from './errors.js';
export { parseUri, formatUri } from './uri.js';
export { parseNameAddr, formatNameAddr, parseVia, formatVia, parseCSeq } from './fields.js';
export {
  getHeader, getHeaders, topVia, fromOf, toOf, callIdOf, cseqOf, contactOf, tagOf, maxForwardsOf,
} from './headers.js';
export { canonicalHeaderName } from './names.js';
export { makeResponse, defaultReason, responseToParseError, type MakeResponseOptions } from './response.js';
export { parseMessage } from './parse.js';
export { serializeMessage } from './serialize.js';
export { validateRequest, validateResponse, type ValidationProblem } from './validate.js';
export {
  parseChallenge, digestAuthorization, parseDigestAnswer, digestAnswerMatches, type DigestChallenge, type DigestCredentials, type DigestAnswer,
} from './digest.js';
