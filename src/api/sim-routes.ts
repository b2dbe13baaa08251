import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from './auth.js';
import type { CallService } from '../calls/call-service.js';
import { badRequest, notFound, TwilioError, type ErrorCode } from '../domain/errors.js';
import { isE164 } from '../domain/phone-format.js';
import type { PhoneConfig } from '../simnet/phone-config.js';
import type { SimNetwork } from '../simnet/sim-network.js';
import type { MessageService } from '../messages/message-service.js';

type CallParams = { Params: { callSid: string } };

/**
 * The simulated network's HTTP API (`/sim/v1`, JSON, same Basic auth as the REST API): script
 * the phones, read what the far end heard, press keys, speak, hang up, place inbound calls.
 */
export function registerSimRoutes(app: FastifyInstance, auth: Authenticator, calls: CallService, sim: SimNetwork, messages: MessageService): void {
  /** The JSON object sent, or {} when there is no body; anything else is a 400. */
  const body = (request: FastifyRequest): Record<string, unknown> => {
    const sent = request.body;
    if (sent === undefined || sent === null || sent === '') return {};
    if (typeof sent !== 'object' || Array.isArray(sent)) throw badRequest(70002, 'The body must be a JSON object');
    return sent as Record<string, unknown>;
  };

  /** The live (or logged) simulated call, if it belongs to the caller's account. */
  const simCall = async (request: FastifyRequest<CallParams>) => {
    const account = await auth.authenticate(request);
    await calls.fetch(account, request.params.callSid);
    return request.params.callSid;
  };
  /**
   * Runs a far-end action. The network validates its own input: a RangeError (a bad script,
   * bad keys) is the client's 400; `false` means the call is not live.
   */
  const simulate = <T>(action: () => T, code?: ErrorCode): T => {
    try {
      return action();
    } catch (error) {
      if (error instanceof RangeError) throw badRequest(code, error.message);
      throw error;
    }
  };
  const act = (action: () => boolean, what: string, code?: ErrorCode) => {
    if (!simulate(action, code)) throw new TwilioError(409, 21220, `The call is not live: cannot ${what}`);
    return { ok: true };
  };

  app.put<{ Params: { number: string } }>('/sim/v1/phones/:number', async (request) => {
    await auth.authenticate(request);
    const number = request.params.number.trim();
    // A `<Dial><Client>` identity is a phone like any number on the simulated network.
    if (!isE164(number) && !/^client:[^\s]+$/.test(number)) throw badRequest(21211, `'${number}' is not an E.164 phone number or a client:identity`);
    // PUT replaces the whole script: what is not sent is back to its default.
    const { answer = 'answer', answerAfterMs, sms = 'deliver' } = body(request);
    if (answerAfterMs !== undefined && typeof answerAfterMs !== 'number') throw badRequest(70002, 'answerAfterMs must be a number of milliseconds');
    simulate(() => sim.configurePhone(number, { answer, answerAfterMs, sms } as PhoneConfig));
    return { number, ...sim.phone(number), sms: sim.texts.script(number) };
  });

  /** A phone's number in a path: E.164 only (a `client:` identity does not text). */
  const phoneNumber = (raw: string) => {
    const number = raw.trim();
    if (!isE164(number)) throw badRequest(21211, `'${number}' is not an E.164 phone number`);
    return number;
  };

  app.get<{ Params: { number: string } }>('/sim/v1/phones/:number/messages', async (request) => {
    await auth.authenticate(request);
    const number = phoneNumber(request.params.number);
    return { number, messages: sim.texts.inbox(number) };
  });

  app.post<{ Params: { number: string } }>('/sim/v1/phones/:number/messages', async (request, reply) => {
    const account = await auth.authenticate(request);
    const from = phoneNumber(request.params.number);
    const { to, body: text = '', mediaUrl = [] } = body(request);
    if (typeof to !== 'string' || !isE164(to)) throw badRequest(21211, "'to' must be an E.164 number provisioned through IncomingPhoneNumbers");
    const media = typeof mediaUrl === 'string' ? [mediaUrl] : mediaUrl;
    if (typeof text !== 'string') throw badRequest(70002, 'body must be a string');
    if (!Array.isArray(media) || !media.every((url) => typeof url === 'string')) throw badRequest(70002, 'mediaUrl must be a URL or a list of URLs');
    if (text === '' && media.length === 0) throw badRequest(21602, 'Message body is required.');
    const { message } = await messages.receive(from, to, text, media as string[], account);
    return reply.code(201).send({ messageSid: message.sid });
  });

  app.get<CallParams>('/sim/v1/calls/:callSid', async (request) => {
    const sid = await simCall(request);
    const heard = sim.heard(sid);
    if (!heard) throw notFound(request.url);
    return heard;
  });

  app.post<CallParams>('/sim/v1/calls/:callSid/digits', async (request) => {
    const sid = await simCall(request);
    const { digits } = body(request);
    if (typeof digits !== 'string') throw badRequest(21206, 'digits must be a string of 0-9, A-D, # and *');
    return act(() => sim.pressDigits(sid, digits), 'press digits', 21206);
  });

  app.post<CallParams>('/sim/v1/calls/:callSid/speech', async (request) => {
    const sid = await simCall(request);
    const { text, confidence = 1 } = body(request);
    if (typeof text !== 'string' || text.trim() === '') throw badRequest(70002, 'text must be a non-empty string');
    if (typeof confidence !== 'number') throw badRequest(70002, 'confidence must be a number from 0 to 1');
    return act(() => sim.speak(sid, text, confidence), 'speak');
  });

  app.post<CallParams>('/sim/v1/calls/:callSid/hangup', async (request) => {
    const sid = await simCall(request);
    return act(() => sim.hangup(sid), 'hang up');
  });

  app.post('/sim/v1/calls', async (request, reply) => {
    await auth.authenticate(request);
    const { from, to } = body(request);
    if (typeof to !== 'string' || !isE164(to)) throw badRequest(21211, "'to' must be an E.164 number provisioned through IncomingPhoneNumbers");
    if (typeof from !== 'string' || from.trim() === '') throw badRequest(21213, "'from' is required");
    const callSid = await sim.placeInbound(from, to);
    return reply.code(201).send({ callSid });
  });
}
