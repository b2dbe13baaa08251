import type { CallRecord } from '../domain/call.js';
import type { CallStatus } from '../domain/call-status.js';

/**
 * What happens to calls, as typed events (house-review.md, "seams": events). The one status
 * transition emits `status`; the program emits the rest. Every event is plain data with the
 * call's SID, so a console feed, metrics, a conference waiting for a participant, or a bus to
 * another node can take it as it is.
 */
export interface CallEventMap {
  /** The call's status changed (or its record did, with `from === to`): after the save. */
  status: { callSid: string; accountSid: string; from: CallStatus; to: CallStatus; call: CallRecord; at: number };
  /** A verb of the running document started / ended (`outcome`: next, fetch, hangup, …, or `aborted`). */
  'verb-started': { callSid: string; verb: string; at: number };
  'verb-ended': { callSid: string; verb: string; outcome: string; at: number };
  /** A TwiML request (document URL, `action`, `<Redirect>`) was sent / was answered. */
  'webhook-requested': { callSid: string; url: string; method: string; params: Record<string, string>; at: number };
  /** `status`: the HTTP status when one came back; `contentType`: the media type of an accepted document. */
  'webhook-answered': {
    callSid: string; url: string; method: string; ok: boolean; status?: number; contentType?: string; errorCode?: number; body?: string; ms: number; at: number;
  };
  /** One delivery attempt of a status callback by the outbox (webhooks.md §2), after its answer or failure. */
  'status-callback': {
    callSid: string; accountSid: string; url: string; method: string; params: Record<string, string>;
    ok: boolean; status?: number; error?: string; attempt: number; ms: number; at: number;
  };
  /** A Notification (error or warning) was recorded on the call. */
  notification: { callSid: string; code: number; level: 0 | 1; message: string; at: number };
  /** The call's audio was joined to (`joined`) or parted from another call's. */
  bridge: { callSid: string; otherCallSid: string; joined: boolean; at: number };
}

export type CallEventType = keyof CallEventMap;
export type CallEventListener<K extends CallEventType> = (event: CallEventMap[K]) => void;

/**
 * The event hub: listeners for every call (`on`), or for one call (`onCall`, which costs
 * nothing for the other calls). A listener that throws is logged and skipped: watching a call
 * can never break it (after mediasoup's `safeEmit`).
 */
export class CallEvents {
  private readonly all = new Map<CallEventType, Set<(event: never) => void>>();
  private readonly perCall = new Map<string, Set<(type: CallEventType, event: CallEventMap[CallEventType]) => void>>();

  constructor(private readonly log: { error(obj: object, msg: string): void } = { error: () => {} }) {}

  /** Listens to `type` on every call; returns the function that stops listening. */
  on<K extends CallEventType>(type: K, listener: CallEventListener<K>): () => void {
    let set = this.all.get(type);
    if (!set) this.all.set(type, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  /** Listens to every event of one call; returns the function that stops listening. */
  onCall(callSid: string, listener: <K extends CallEventType>(type: K, event: CallEventMap[K]) => void): () => void {
    let set = this.perCall.get(callSid);
    if (!set) this.perCall.set(callSid, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.perCall.get(callSid) === set) this.perCall.delete(callSid);
    };
  }

  emit<K extends CallEventType>(type: K, event: CallEventMap[K]): void {
    for (const listener of this.all.get(type) ?? []) this.safely(() => (listener as CallEventListener<K>)(event), type, event.callSid);
    for (const listener of this.perCall.get(event.callSid) ?? []) this.safely(() => listener(type, event), type, event.callSid);
  }

  private safely(run: () => void, type: CallEventType, callSid: string): void {
    try {
      run();
    } catch (err) {
      this.log.error({ err, callSid, event: type }, 'a call event listener failed');
    }
  }
}
