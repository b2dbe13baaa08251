import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError } from 'fastify';
import { moreInfo, TwilioError, type ErrorCode } from '../domain/errors.js';

/**
 * What fastify and Node's HTTP parser refuse on their own, answered as Twilio answers a bad
 * request: its error body with a code (xml-and-errors.md §3), never the framework's
 * `{error, message, statusCode}`. Twilio's dictionary has 19056 for a body of a type it does not
 * read and 70002 ("Bad request") for one it cannot parse; an oversized body has no code of its
 * own, so it is a 70002 too, with status 413.
 */
const BODY_REFUSALS: Record<string, { status: number; code: ErrorCode; message: (error: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415, code: 19056,
    message: () => 'The request Content-Type is not accepted: send application/x-www-form-urlencoded or multipart/form-data',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 70002, message: () => 'The request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 70002, message: () => 'The request body is empty but its Content-Type is application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 70002, message: () => 'The request body is not as long as its Content-Length' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 70002, message: () => 'The request body is larger than 1 MB' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 70002, message: () => 'The request Content-Type header is not valid' },
  FST_ERR_CTP_EMPTY_TYPE: { status: 400, code: 70002, message: () => 'The request Content-Type header is empty' },
};

/** The code a refusal of this HTTP status carries when nothing more precise is known. */
function codeOfStatus(status: number): ErrorCode {
  if (status === 401) return 20003;
  if (status === 404) return 20404;
  if (status === 405) return 20004;
  return 70002;
}

/** A framework error (a body parser, a limit) as the Twilio error it is for a client; null for a 5xx. */
export function refusalOf(error: FastifyError): TwilioError | null {
  const known = error.code ? BODY_REFUSALS[error.code] : undefined;
  if (known) return new TwilioError(known.status, known.code, known.message(error));
  const status = error.statusCode;
  if (!status || status >= 500 || status < 400) return null;
  return new TwilioError(status, codeOfStatus(status), error.message);
}

const MAX_MESSAGE = 300;

/** A message that quotes input is cut: an error body never echoes megabytes back. */
export function clipMessage(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`;
}

/**
 * A request Node's parser refused before fastify saw it (a head over 16 KB, a method it does not
 * know, a malformed request line). The connection is closed after the answer, as the parser
 * cannot find where the next request starts; `Connection: close` tells a keep-alive client so,
 * and its other requests go on other connections instead of being reset.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return void socket.destroy();
  // A request before the bad one on this connection may still be answering (pipelining): its
  // response goes first. Node keeps the response in progress on the socket (`_httpMessage`).
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (inFlight && !inFlight.writableFinished) {
    inFlight.once('finish', () => answerClientError(error, socket));
    inFlight.once('close', () => socket.writable || socket.destroy());
    return;
  }
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW' ? { status: 431, code: 70002, text: 'Request Header Fields Too Large', message: 'The request head is larger than 16 KB' }
    : error.code === 'HPE_INVALID_METHOD' ? { status: 405, code: 20004, text: 'Method Not Allowed', message: 'The request method is not an HTTP method this API serves' }
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? { status: 408, code: 70002, text: 'Request Timeout', message: 'The request was not received in time' }
    : { status: 400, code: 70002, text: 'Bad Request', message: 'The request is not valid HTTP/1.1' };
  const body = JSON.stringify({ code: refusal.code, message: refusal.message, more_info: moreInfo(refusal.code), status: refusal.status });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${refusal.text}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
