import { accountPath } from '../domain/api-paths.js';
import { isEmptyUpdate, type CallUpdate } from '../domain/call-command.js';
import { isTerminal } from '../domain/call-status.js';
import { DEFAULT_TIME_LIMIT_SEC, DEFAULT_TIMEOUT_SEC, type CallConfig, type CallRecord } from '../domain/call.js';
import { notFound, TwilioError } from '../domain/errors.js';
import { newSid } from '../domain/sid.js';
import type { InboundOffer } from '../ports/carrier.js';
import type { CallFilter, PageRequest } from '../ports/store.js';
import { CallSession, notInProgress, type SessionDeps } from '../session/call-session.js';
import { ChildLink } from '../session/child-link.js';
import type { ChildCallRequest, ChildCalls } from '../verbs/verb-context.js';
import type { AccountTokens } from './account-tokens.js';

/** A call to place (`POST /Calls`), as the API read it. */
export interface NewCallRequest {
  to: string;
  from: string;
  config: CallConfig;
  /** Digest credentials for a SIP call; used for the dial only, never stored. */
  sipAuth: { username: string; password: string } | null;
}

export interface CallServiceDeps extends Omit<SessionDeps, 'released' | 'childCalls'> {
  /** The tokens that sign each account's webhooks. */
  tokens: AccountTokens;
}

const callPath = (accountSid: string, sid: string) => `${accountPath(accountSid)}/Calls/${sid}.json`;

/** How many ended calls are kept in memory: an ended call never changes, and apps poll them. */
const ENDED_CACHE_SIZE = 10_000;

/**
 * The Calls resource's behaviour (calls-api.md §2–§5): create, list, fetch, update, delete,
 * plus inbound calls from the carrier. Live calls are held in a registry by SID; the store
 * has every call.
 */
export class CallService {
  private readonly live = new Map<string, CallSession>();
  /** Ended calls, oldest first (a Map keeps insertion order): saves a store read per fetch. */
  private readonly ended = new Map<string, CallRecord>();
  private readonly sessionDeps: SessionDeps;

  constructor(private readonly deps: CallServiceDeps) {
    this.sessionDeps = {
      ...deps,
      released: (session) => {
        this.live.delete(session.sid);
        this.remember(session.snapshot());
      },
      childCalls: (parent) => ({ place: (request) => this.placeChild(parent, request) }) satisfies ChildCalls,
    };
    deps.carrier.onInbound((offer) => this.acceptInbound(offer));
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** The account's live calls as they are now, oldest first (the console's `/console/v1/live`). */
  liveCalls(accountSid: string): CallRecord[] {
    const calls: CallRecord[] = [];
    for (const session of this.live.values()) {
      const call = session.snapshot();
      if (call.accountSid === accountSid) calls.push(call);
    }
    return calls;
  }

  /** The account of a live or recently ended call (event listeners that need it); undefined if unknown. */
  accountOf(sid: string): string | undefined {
    return (this.live.get(sid)?.snapshot() ?? this.ended.get(sid))?.accountSid;
  }

  /** `POST /Calls.json`: the call is stored before this resolves (and so before the 201). */
  async create(accountSid: string, params: NewCallRequest): Promise<CallRecord> {
    const now = this.deps.clock.now();
    const call = newCallRecord(accountSid, now, {
      to: params.to, from: params.from, status: 'queued', direction: 'outbound-api', config: params.config,
    });
    await this.deps.store.insertCall(call);
    void (await this.openSession(call)).send({ type: 'dial', sipAuth: params.sipAuth ?? undefined });
    return call;
  }

  /**
   * A `<Dial>` noun's child call (dial.md §3): its own record (`outbound-dial`, the parent's
   * SID), stored before it is dialed so `GET /Calls?ParentCallSid=` lists it at once, with its
   * noun's status callbacks; never queued behind other calls.
   */
  private async placeChild(parent: CallSession, request: ChildCallRequest): Promise<ChildLink> {
    const parentCall = parent.snapshot();
    const call = newCallRecord(parentCall.accountSid, this.deps.clock.now(), {
      to: request.to, from: request.from, status: 'queued', direction: 'outbound-dial', parentCallSid: parentCall.sid,
      config: {
        url: request.url, method: request.method, twiml: null, fallbackUrl: null, fallbackMethod: 'POST',
        statusCallback: request.statusCallback, statusCallbackMethod: request.statusCallbackMethod,
        statusCallbackEvents: request.statusCallbackEvents, timeoutSec: request.ringTimeoutSec,
        timeLimitSec: request.timeLimitSec, sendDigits: request.sendDigits,
      },
    });
    await this.deps.store.insertCall(call);
    const session = await this.openSession(call);
    const link = new ChildLink(session);
    session.linkToParent(link);
    await session.send({ type: 'dial', sipAuth: request.sipAuth });
    return link;
  }

  async fetch(accountSid: string, sid: string): Promise<CallRecord> {
    const known = this.live.get(sid)?.snapshot() ?? this.ended.get(sid);
    if (known) {
      if (known.accountSid !== accountSid) throw notFound(callPath(accountSid, sid));
      return known;
    }
    const call = await this.deps.store.getCall(accountSid, sid);
    if (!call) throw notFound(callPath(accountSid, sid));
    if (isTerminal(call.status)) this.remember(call);
    return call;
  }

  private remember(call: CallRecord): void {
    this.ended.set(call.sid, call);
    if (this.ended.size > ENDED_CACHE_SIZE) this.ended.delete(this.ended.keys().next().value!);
  }

  list(filter: CallFilter, page: PageRequest): Promise<CallRecord[]> {
    return this.deps.store.listCalls(filter, page);
  }

  /** `POST /Calls/{Sid}.json`: redirect, hang up, cancel, or change settings (call-lifecycle.md §3). */
  async update(accountSid: string, sid: string, update: CallUpdate): Promise<CallRecord> {
    const call = await this.fetch(accountSid, sid);
    if (isEmptyUpdate(update)) return call;
    const session = this.live.get(sid);
    if (!session || isTerminal(call.status)) throw notInProgress();
    await session.send({ type: 'update', update });
    return session.snapshot();
  }

  /** `DELETE /Calls/{Sid}.json`: a live call cannot be deleted (calls-api.md §2). */
  async delete(accountSid: string, sid: string): Promise<void> {
    const call = await this.fetch(accountSid, sid);
    if (!isTerminal(call.status)) throw new TwilioError(400, 21220, 'Call is in progress and cannot be deleted. Hang it up first.');
    this.ended.delete(sid);
    await this.deps.store.deleteCall(accountSid, sid);
  }

  /** A call arriving at a number provisioned through IncomingPhoneNumbers. */
  private async acceptInbound(offer: InboundOffer): Promise<string> {
    const number = await this.deps.store.findPhoneNumber(offer.to);
    if (!number) throw new TwilioError(404, 20404, `No IncomingPhoneNumber is provisioned for ${offer.to}`);
    if (!number.voiceUrl) throw new TwilioError(400, 21205, `IncomingPhoneNumber ${number.sid} has no VoiceUrl`);
    const now = this.deps.clock.now();
    const call = newCallRecord(number.accountSid, now, {
      to: offer.to, from: offer.from, status: 'ringing', direction: 'inbound', phoneNumberSid: number.sid, startTime: now,
      config: {
        url: number.voiceUrl, method: number.voiceMethod, twiml: null,
        fallbackUrl: number.voiceFallbackUrl, fallbackMethod: number.voiceFallbackMethod,
        statusCallback: number.statusCallback, statusCallbackMethod: number.statusCallbackMethod,
        statusCallbackEvents: ['completed'], timeoutSec: DEFAULT_TIMEOUT_SEC, timeLimitSec: DEFAULT_TIME_LIMIT_SEC, sendDigits: null,
      },
    });
    await this.deps.store.insertCall(call);
    const session = await this.openSession(call);
    session.attach(offer.attach(call.sid, session));
    return call.sid;
  }

  /** Makes the session of a stored call and registers it as live; it unregisters itself when released. */
  private async openSession(call: CallRecord): Promise<CallSession> {
    const session = new CallSession(this.sessionDeps, call, (await this.deps.tokens.get(call.accountSid)) ?? '');
    this.live.set(call.sid, session);
    return session;
  }

  /** Hangs up every live call (server shutdown): each ends `completed` or `canceled`. */
  async hangupAll(): Promise<void> {
    await Promise.allSettled([...this.live.values()].map((session) => session.send({ type: 'hangup' })));
  }

  /**
   * Closes calls that were live when the process stopped without hanging them up (a crash):
   * an answered call ends `completed` at the time of recovery; an unanswered one `failed`.
   * Their `completed` status callbacks are queued like any other.
   */
  async closeOrphanedCalls(): Promise<number> {
    const orphans = (await this.deps.store.listLiveCalls()).filter((call) => !this.live.has(call.sid));
    for (const call of orphans) await (await this.openSession(call)).send({ type: 'close-orphan' });
    return orphans.length;
  }
}

type NewCall = Pick<CallRecord, 'to' | 'from' | 'status' | 'direction' | 'config'> & Partial<CallRecord>;

function newCallRecord(accountSid: string, now: number, fields: NewCall): CallRecord {
  return {
    sid: newSid('CA'), accountSid, parentCallSid: null, phoneNumberSid: null,
    dateCreated: now, dateUpdated: now, startTime: null, answeredAt: null, endTime: null, duration: null,
    answeredBy: null, forwardedFrom: null, callerName: null, callbackSequence: 0,
    ...fields,
  };
}
