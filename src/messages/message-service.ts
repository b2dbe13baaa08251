import { accountPath, API_VERSION } from '../domain/api-paths.js';
import { badRequest, notFound, TwilioError } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import { mediaOf } from '../domain/message-media.js';
import { canMove, isFinal, type MessageDirection, type MessageRecord, type MessageStatus } from '../domain/message.js';
import { isE164 } from '../domain/phone-format.js';
import { countSegments } from '../domain/segments.js';
import { newSid } from '../domain/sid.js';
import type { Clock, Timer } from '../ports/clock.js';
import type { MessageCarrier, SendResult } from '../ports/message-carrier.js';
import type { MessageFilter, MessageStore } from '../ports/message-store.js';
import type { NewCallback, PageRequest, Store } from '../ports/store.js';
import type { TwimlFetcher } from '../ports/twiml-fetcher.js';
import { replyRecipient, runInboundWebhook } from './inbound-webhook.js';
import { OPT_REPLIES, optKeyword } from './opt-out.js';

export interface MessageServiceDeps {
  store: MessageStore;
  numbers: Pick<Store, 'findPhoneNumber'>;
  clock: Clock;
  outbox: { kick(): void };
  carrier: MessageCarrier;
  fetcher: TwimlFetcher;
  tokens: { get(accountSid: string): Promise<string | null> };
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** A Message to send, already read from the request (`api/message-params.ts`). */
export interface NewMessage {
  to: string;
  from: string;
  body: string;
  mediaUrls: string[];
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
}

/** Call time from `queued` to `sent`, and from `sent` to the delivery receipt. */
export const SEND_DELAY_MS = 200;
export const RECEIPT_DELAY_MS = 1000;

/** Twilio's test numbers (messaging.md §7, "Test Credentials"), kept so apps' test suites behave alike. */
const MAGIC_FROM = '+15005550006';
const MAGIC_TO: Record<string, [number, 21211 | 21610 | 21614]> = {
  '+15005550001': [400, 21211], '+15005550004': [400, 21610], '+15005550009': [400, 21614],
};

/** An alphanumeric sender ID: 1–11 letters, digits and spaces, at least one letter (messaging.md §1). */
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

const messagePath = (accountSid: string, sid: string) => `${accountPath(accountSid)}/Messages/${sid}.json`;

/**
 * The Message resource and its life on the simulated network (messaging.md): a message is
 * stored `queued` before the 201, handed to the carrier on the Clock, then `sent` and
 * `delivered`/`undelivered` (or `failed`) as the far end's script says; every change after
 * creation is persisted with its status callback in one write, and the durable outbox sends
 * them in order. Inbound texts run the number's `SmsUrl` (`inbound-webhook.ts`).
 */
export class MessageService {
  /** sid → the timer of its next step, while a message moves. */
  private readonly timers = new Map<string, Timer>();
  /** sid → what the carrier answered at `sent`, until the receipt. */
  private readonly sends = new Map<string, SendResult>();
  private closed = false;

  constructor(private readonly deps: MessageServiceDeps) {}

  /** `POST /Messages`: checks the account's right to send, stores the message `queued`, and starts it moving. */
  async create(accountSid: string, request: NewMessage, direction: MessageDirection = 'outbound-api'): Promise<MessageRecord> {
    const magic = MAGIC_TO[request.to];
    if (magic) throw new TwilioError(magic[0], magic[1], magicMessage(magic[1], request.to));
    await this.checkSender(accountSid, request.from);
    if (await this.deps.store.isOptedOut(request.from, request.to)) throw badRequest(21610, 'Attempt to send to unsubscribed recipient');
    return this.queue(accountSid, request, direction);
  }

  fetch = async (accountSid: string, sid: string): Promise<MessageRecord> => {
    const message = await this.deps.store.getMessage(accountSid, sid);
    if (!message) throw notFound(messagePath(accountSid, sid));
    return message;
  };

  list(filter: MessageFilter, page: PageRequest): Promise<MessageRecord[]> {
    return this.deps.store.listMessages(filter, page);
  }

  /** `POST /Messages/{Sid}` with `Body=`: the text is erased for good (messaging.md §1, Update). */
  async redact(accountSid: string, sid: string): Promise<MessageRecord> {
    const message = await this.fetch(accountSid, sid);
    if (!isFinal(message.status)) throw badRequest(70002, `Message ${sid} is ${message.status}: only a message in a final state can be redacted`);
    const redacted = { ...message, body: '', dateUpdated: this.deps.clock.now() };
    await this.deps.store.saveMessage(redacted);
    return redacted;
  }

  /** `DELETE /Messages/{MM}/Media/{ME}`: the item leaves the message; only once the message is final. */
  async removeMedia(accountSid: string, messageSid: string, mediaSid: string): Promise<void> {
    const message = await this.fetch(accountSid, messageSid);
    const index = mediaOf(message).findIndex((item) => item.sid === mediaSid);
    if (index < 0) throw notFound(`${accountPath(accountSid)}/Messages/${messageSid}/Media/${mediaSid}.json`);
    if (!isFinal(message.status)) throw badRequest(70002, `Message ${messageSid} is ${message.status}: its media cannot be deleted while it is being sent`);
    const mediaUrls = message.mediaUrls.filter((_, i) => i !== index);
    await this.deps.store.saveMessage({ ...message, mediaUrls, dateUpdated: this.deps.clock.now() });
  }

  async remove(accountSid: string, sid: string): Promise<void> {
    const message = await this.fetch(accountSid, sid);
    if (!isFinal(message.status)) throw badRequest(70002, `Message ${sid} is ${message.status}: it cannot be deleted while it is being sent`);
    await this.deps.store.deleteMessage(accountSid, sid);
  }

  /**
   * A phone on the simulated network texts `to` (messaging.md §4, §8): the inbound message is
   * stored `received`; a single keyword changes the sender's opt-out and gets Twilio's default
   * reply; then the number's `SmsUrl` runs and its `<Message>` replies are sent. Resolves once
   * the inbound message is stored; `replied` settles when the webhook and its replies are done.
   * With `accountSid`, `to` must be a number of that account.
   */
  async receive(from: string, to: string, body: string, mediaUrls: string[], accountSid?: string): Promise<{ message: MessageRecord; replied: Promise<void> }> {
    const number = await this.deps.numbers.findPhoneNumber(to);
    if (!number || (accountSid !== undefined && number.accountSid !== accountSid)) throw badRequest(21211, `'${to}' is not a number provisioned through IncomingPhoneNumbers`);
    if (body.length > 1600) throw badRequest(21617, 'The concatenated message body exceeds the 1600 character limit.');
    const now = this.deps.clock.now();
    const message: MessageRecord = {
      sid: newSid(mediaUrls.length > 0 ? 'MM' : 'SM'), accountSid: number.accountSid, to, from, body, mediaUrls,
      numSegments: countSegments(body), status: 'received', direction: 'inbound', errorCode: null, errorMessage: null,
      statusCallback: null, statusCallbackMethod: 'POST', dateCreated: now, dateUpdated: now, dateSent: now, callbackSequence: 1,
    };
    await this.deps.store.saveMessage(message);
    const keyword = optKeyword(body);
    if (keyword === 'STOP') await this.deps.store.setOptOut(to, from, true);
    if (keyword === 'START') await this.deps.store.setOptOut(to, from, false);
    const replied = (async () => {
      // The default reply goes even to a sender who has just opted out: it confirms the STOP.
      if (keyword) await this.queue(number.accountSid, reply(to, from, OPT_REPLIES[keyword]), 'outbound-reply');
      const token = await this.deps.tokens.get(number.accountSid);
      if (token === null) return;
      await runInboundWebhook({ number, message, authToken: token, fetcher: this.deps.fetcher, log: this.deps.log }, (verb) =>
        this.sendReply(number.accountSid, { to: verb.to === null ? from : replyRecipient(verb.to, verb.from ?? to), from: verb.from ?? to, body: verb.body, mediaUrls: verb.media, statusCallback: verb.action, statusCallbackMethod: verb.method }));
    })().catch((err: unknown) => this.deps.log.error({ err, messageSid: message.sid }, 'inbound message: webhook failed'));
    return { message, replied };
  }

  /** At startup: messages a stop left queued or sent go on moving. */
  async resumeUnfinished(): Promise<number> {
    const unfinished = (await this.deps.store.listUnfinishedMessages()).filter((m) => m.direction !== 'inbound');
    for (const message of unfinished) this.schedule(message);
    return unfinished.length;
  }

  /** Stops every timer; unfinished messages stay in the store for `resumeUnfinished`. Idempotent. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  /** A `<Message>` reply: refused recipients (opted out, not a number) are logged, never thrown at the webhook. */
  private async sendReply(accountSid: string, request: NewMessage): Promise<void> {
    if (!isE164(request.to)) {
      this.deps.log.warn({ code: 14101, to: request.to }, `<Message to="${request.to}"> is not a phone number: not sent`);
      return;
    }
    if (request.body === '' && request.mediaUrls.length === 0) {
      this.deps.log.warn({ to: request.to }, '<Message> with neither text nor <Media>: not sent');
      return;
    }
    const queued = await this.queue(accountSid, request, 'outbound-reply', false);
    if (await this.deps.store.isOptedOut(request.from, request.to)) {
      await this.move(queued, 'failed', { errorCode: 21610, errorMessage: 'Attempt to send to unsubscribed recipient' });
      return;
    }
    this.schedule(queued);
  }

  private async queue(accountSid: string, request: NewMessage, direction: MessageDirection, start = true): Promise<MessageRecord> {
    const now = this.deps.clock.now();
    const message: MessageRecord = {
      sid: newSid(request.mediaUrls.length > 0 ? 'MM' : 'SM'), accountSid, to: request.to, from: request.from, body: request.body,
      mediaUrls: request.mediaUrls, numSegments: countSegments(request.body), status: 'queued', direction, errorCode: null,
      errorMessage: null, statusCallback: request.statusCallback, statusCallbackMethod: request.statusCallbackMethod,
      dateCreated: now, dateUpdated: now, dateSent: null, callbackSequence: 1,
    };
    // Stored before the 201 (design.md, "Nothing is lost"); the initial status has no callback (messaging.md §2).
    await this.deps.store.saveMessage(message);
    if (start) this.schedule(message);
    return message;
  }

  private async checkSender(accountSid: string, from: string): Promise<void> {
    if (from === '+15005550001') throw badRequest(21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
    if (from === MAGIC_FROM || ALPHANUMERIC_SENDER.test(from)) return;
    const number = isE164(from) ? await this.deps.numbers.findPhoneNumber(from) : null;
    if (number?.accountSid !== accountSid) {
      throw badRequest(21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`);
    }
  }

  /** Arms the message's next step: the hand-over to the carrier, or the delivery receipt. */
  private schedule(message: MessageRecord): void {
    if (this.closed) return;
    const delay = message.status === 'queued' ? SEND_DELAY_MS : RECEIPT_DELAY_MS;
    const timer = this.deps.clock.setTimer(delay, () => {
      this.timers.delete(message.sid);
      this.step(message).catch((err: unknown) => this.deps.log.error({ err, messageSid: message.sid }, 'message: status change failed'));
    });
    this.timers.set(message.sid, timer);
  }

  private async step(message: MessageRecord): Promise<void> {
    const text = { sid: message.sid, from: message.from, to: message.to, body: message.body, mediaUrls: message.mediaUrls };
    if (message.status === 'queued') {
      const result = this.deps.carrier.send(text);
      if (result.outcome === 'failed') {
        await this.move(message, 'failed', deliveryError(result.code));
        return;
      }
      this.sends.set(message.sid, result);
      this.schedule(await this.move(message, 'sent', { dateSent: this.deps.clock.now() }));
      return;
    }
    // After a restart the hand-over is repeated: the receipt belongs to the carrier that took it.
    const result = this.sends.get(message.sid) ?? this.deps.carrier.send(text);
    this.sends.delete(message.sid);
    const receipt = result.outcome === 'sent' ? result.receipt(this.deps.clock.now()) : { delivered: false as const, code: result.code };
    if (receipt.delivered) await this.move(message, 'delivered', {});
    else await this.move(message, 'undelivered', deliveryError(receipt.code));
  }

  /** The one guarded status change: persisted together with its status callback, then the outbox is kicked. */
  private async move(message: MessageRecord, status: MessageStatus, patch: Partial<MessageRecord>): Promise<MessageRecord> {
    if (!canMove(message.status, status)) throw new Error(`Message ${message.sid} cannot move from ${message.status} to ${status}`);
    const now = this.deps.clock.now();
    const next: MessageRecord = { ...message, ...patch, status, dateUpdated: now };
    const callbacks: NewCallback[] = [];
    if (message.statusCallback) {
      callbacks.push({
        callSid: message.sid, accountSid: message.accountSid, sequenceNumber: next.callbackSequence, url: message.statusCallback,
        method: message.statusCallbackMethod, params: statusParams(next, now),
      });
      next.callbackSequence += 1;
    }
    await this.deps.store.saveMessage(next, callbacks);
    if (callbacks.length > 0) this.deps.outbox.kick();
    return next;
  }
}

function reply(from: string, to: string, body: string): NewMessage {
  return { to, from, body, mediaUrls: [], statusCallback: null, statusCallbackMethod: 'POST' };
}

function deliveryError(code: 30003 | 30006): Partial<MessageRecord> {
  return { errorCode: code, errorMessage: code === 30003 ? 'Unreachable destination handset' : 'Landline or unreachable carrier' };
}

function magicMessage(code: 21211 | 21610 | 21614, to: string): string {
  if (code === 21211) return `The 'To' number ${to} is not a valid phone number.`;
  if (code === 21610) return 'Attempt to send to unsubscribed recipient';
  return `To number: ${to}, is not a mobile number`;
}

/** The status callback's parameters (messaging.md §3); geo fields are not sent on these. */
function statusParams(m: MessageRecord, now: number): Record<string, string> {
  const params: Record<string, string> = {
    AccountSid: m.accountSid, ApiVersion: API_VERSION, From: m.from, MessageSid: m.sid, MessageStatus: m.status,
    SmsSid: m.sid, SmsStatus: m.status, To: m.to,
  };
  if (m.errorCode !== null) params.ErrorCode = String(m.errorCode);
  if (m.status === 'delivered' || m.status === 'undelivered') params.RawDlrDoneDate = dlrDate(now);
  return params;
}

/** The carrier's "done date", `YYMMDDhhmm` in UTC. */
function dlrDate(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d).*$/, '$1$2$3$4$5');
}
