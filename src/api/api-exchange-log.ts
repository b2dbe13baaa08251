import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CallRecord } from '../domain/call.js';
import type { CallEventStore } from '../ports/call-event-store.js';
import type { Clock } from '../ports/clock.js';
import type { Form } from './form.js';
import { callJson } from './render/resources.js';
import { jsonText } from './respond.js';

/** Parameters never written to the log: credentials the client sent for the dial only. */
const SECRET_PARAMS = new Set(['SipAuthPassword']);

/**
 * Logs the REST requests that created or changed a call in the call's Events (call-events.md
 * §2: Twilio's own example is the `POST /Calls` that created the call). The URL is this
 * server's; the parameters are those the client sent (a repeated one joined by spaces, as in
 * `StatusCallbackEvent=initiated ringing`); the body is the Call JSON that was answered.
 */
export class ApiExchangeLog {
  constructor(private readonly store: CallEventStore, private readonly clock: Clock, private readonly log: { error(obj: object, msg: string): void }) {}

  record(request: FastifyRequest, reply: FastifyReply, status: number, call: CallRecord): void {
    const parameters: Record<string, string> = {};
    for (const [key, values] of Object.entries((request.body ?? {}) as Form)) {
      if (!SECRET_PARAMS.has(key) && Array.isArray(values)) parameters[key] = values.join(' ');
    }
    const url = `${request.protocol}://${request.headers.host ?? request.hostname}${request.url}`;
    this.store.insertCallExchange({
      accountSid: call.accountSid, callSid: call.sid,
      request: { method: request.method, url, parameters },
      response: {
        responseCode: status, requestDuration: reply.elapsedTime, contentType: 'application/json',
        responseBody: jsonText(call, callJson), dateCreated: this.clock.now(),
      },
    }).catch((err: unknown) => this.log.error({ err, callSid: call.sid }, 'could not record the API request in the call events'));
  }
}
