import { accountPath } from '../domain/api-paths.js';
import type { CallRecord } from '../domain/call.js';
import { badRequest, notFound } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import { DEFAULT_QUEUE_SIZE, type QueueRecord } from '../domain/queue.js';
import { newSid } from '../domain/sid.js';
import type { CallEvents } from '../ports/call-events.js';
import type { Clock } from '../ports/clock.js';
import type { QueueStore } from '../ports/queue-store.js';
import type { PageRequest } from '../ports/store.js';
import type { CallQueues, Dequeuer, Enqueued, Handoff } from '../verbs/call-queues.js';
import { LiveQueue, type Member } from './live-queue.js';

/** What the queues need from the calls: a REST dequeue redirects the member's call. */
export interface QueuedCallControl {
  redirect(accountSid: string, callSid: string, url: string, method: HttpMethod): Promise<void>;
}

export interface QueueServiceDeps {
  store: QueueStore;
  clock: Clock;
  /** Resolved lazily: the call service is built with these queues in its dependencies. */
  calls: () => QueuedCallControl;
  /** Told when a caller and its agent are bridged and parted (the `bridge` event, as for `<Dial>`). */
  events?: Pick<CallEvents, 'emit'>;
}

/** A queue as the REST resource shows it: its record and its live counts. */
export interface QueueView {
  record: QueueRecord;
  currentSize: number;
  averageWaitSec: number;
}

/** A member as the REST resource shows it (queues.md §6). */
export interface MemberView {
  callSid: string;
  queueSid: string;
  dateEnqueued: number;
  position: number;
  waitTimeSec: number;
}

const queuePath = (accountSid: string, sid: string) => `${accountPath(accountSid)}/Queues/${sid}.json`;

/**
 * The call queues of every account (queues.md): records in the store, members live here.
 * Implements what `<Enqueue>` and `<Dial><Queue>` need (`CallQueues`) and the Queue and
 * Member resources.
 */
export class QueueService implements CallQueues {
  private readonly live = new Map<string, LiveQueue>();
  /** Creations by name in flight, so two `<Enqueue>`s of a new name make one queue. */
  private readonly creating = new Map<string, Promise<QueueRecord>>();

  constructor(private readonly deps: QueueServiceDeps) {}

  async enqueue(call: CallRecord, name: string, maxSize: number | null): Promise<Enqueued> {
    const record = await this.namedOrCreated(call.accountSid, name, maxSize);
    const queue = this.liveOf(record);
    const member = queue.add(call.sid);
    if (!member) return { type: 'full', queueSid: record.sid, maxSize: queue.record.maxSize };
    return { type: 'queued', member };
  }

  async takeFront(agent: Dequeuer, name: string, signal: AbortSignal): Promise<Handoff | 'no-queue'> {
    if (signal.aborted) throw signal.reason;
    const record = await this.deps.store.findQueueByName(agent.call.accountSid, name);
    if (signal.aborted) throw signal.reason;
    if (!record) return 'no-queue';
    const queue = this.liveOf(record);
    const front = queue.popFront(agent);
    if (front) return this.watch(front);
    return new Promise<Handoff>((resolve, reject) => {
      const stop = queue.wait(agent, (handoff) => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.watch(handoff));
      });
      const onAbort = () => {
        stop();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Emits `bridge` for both calls when the caller is ready to be bridged, and again once the agent's side is done. */
  private watch(handoff: Handoff): Handoff {
    const events = this.deps.events;
    if (!events) return handoff;
    const emit = (joined: boolean) => {
      const at = this.deps.clock.now();
      const agentSid = handoff.agent.call.sid;
      events.emit('bridge', { callSid: agentSid, otherCallSid: handoff.callerSid, joined, at });
      events.emit('bridge', { callSid: handoff.callerSid, otherCallSid: agentSid, joined, at });
    };
    let joined = false;
    let done = false;
    void handoff.callerReady.then(() => {
      if (done) return;
      joined = true;
      emit(true);
    });
    void handoff.agentDone.then(() => {
      done = true;
      if (joined) emit(false);
    });
    return handoff;
  }

  // ---- the Queue resource (queues.md §5) -------------------------------------------------

  async create(accountSid: string, friendlyName: string, maxSize: number | null): Promise<QueueView> {
    const now = this.deps.clock.now();
    const record: QueueRecord = { sid: newSid('QU'), accountSid, friendlyName, maxSize: maxSize ?? DEFAULT_QUEUE_SIZE, dateCreated: now, dateUpdated: now };
    if (!(await this.deps.store.insertQueue(record))) throw duplicateName(friendlyName);
    return this.view(record);
  }

  async list(accountSid: string, page: PageRequest): Promise<QueueView[]> {
    return (await this.deps.store.listQueues(accountSid, page)).map((record) => this.view(record));
  }

  async fetch(accountSid: string, sid: string): Promise<QueueView> {
    return this.view(await this.record(accountSid, sid));
  }

  async update(accountSid: string, sid: string, change: { friendlyName: string | null; maxSize: number | null }): Promise<QueueView> {
    const current = await this.record(accountSid, sid);
    const next: QueueRecord = {
      ...current, friendlyName: change.friendlyName ?? current.friendlyName, maxSize: change.maxSize ?? current.maxSize,
      dateUpdated: this.deps.clock.now(),
    };
    if (!(await this.deps.store.updateQueue(next))) throw duplicateName(next.friendlyName);
    const queue = this.live.get(sid);
    if (queue) queue.record = next;
    return this.view(next);
  }

  /** "Remove an empty queue" (queues.md §5): one with members is refused (400, code unverified). */
  async remove(accountSid: string, sid: string): Promise<void> {
    await this.record(accountSid, sid);
    const queue = this.live.get(sid);
    if (queue && queue.size > 0) throw badRequest(undefined, `Queue ${sid} has ${queue.size} member(s): only an empty queue can be deleted`);
    await this.deps.store.deleteQueue(accountSid, sid);
    this.live.delete(sid);
  }

  // ---- Members (queues.md §6) -------------------------------------------------------------

  async members(accountSid: string, sid: string): Promise<MemberView[]> {
    const record = await this.record(accountSid, sid);
    const queue = this.live.get(record.sid);
    return queue ? queue.list().map((member, i) => memberView(queue, member, i + 1)) : [];
  }

  /** `ref`: a CallSid, or `Front`. Not in the queue → 20404. */
  async member(accountSid: string, sid: string, ref: string): Promise<MemberView> {
    const record = await this.record(accountSid, sid);
    const queue = this.live.get(record.sid);
    const found = queue ? find(queue, ref) : null;
    if (!queue || !found) throw notFound(`${accountPath(accountSid)}/Queues/${sid}/Members/${ref}.json`);
    return memberView(queue, found.member, found.position);
  }

  /**
   * The REST dequeue: the member leaves the queue and its call runs `url`; its `<Enqueue>`
   * action is requested with `QueueResult=redirected`. A CallSid that was dequeued already is a
   * 400 (queues.md §6: only the first request succeeds).
   */
  async dequeue(accountSid: string, sid: string, ref: string, url: string, method: HttpMethod): Promise<MemberView> {
    const record = await this.record(accountSid, sid);
    const queue = this.live.get(record.sid);
    const found = queue ? find(queue, ref) : null;
    if (!queue || !found) {
      if (queue && queue.wasDequeued(ref)) throw badRequest(undefined, `Call ${ref} was already dequeued from queue ${sid}`);
      throw notFound(`${accountPath(accountSid)}/Queues/${sid}/Members/${ref}.json`);
    }
    const view = memberView(queue, found.member, found.position);
    queue.dequeueForRedirect(found.member);
    await this.deps.calls().redirect(accountSid, found.member.callSid, url, method);
    return view;
  }

  private async record(accountSid: string, sid: string): Promise<QueueRecord> {
    const record = await this.deps.store.getQueue(accountSid, sid);
    if (!record) throw notFound(queuePath(accountSid, sid));
    return record;
  }

  private view(record: QueueRecord): QueueView {
    const queue = this.live.get(record.sid);
    return { record, currentSize: queue?.size ?? 0, averageWaitSec: queue?.averageWaitSec() ?? 0 };
  }

  private liveOf(record: QueueRecord): LiveQueue {
    let queue = this.live.get(record.sid);
    if (!queue) this.live.set(record.sid, (queue = new LiveQueue(record, this.deps.clock)));
    return queue;
  }

  private async namedOrCreated(accountSid: string, name: string, maxSize: number | null): Promise<QueueRecord> {
    const key = `${accountSid} ${name}`;
    const pending = this.creating.get(key);
    if (pending) return pending;
    const work = (async () => {
      const found = await this.deps.store.findQueueByName(accountSid, name);
      if (found) return this.live.get(found.sid)?.record ?? found;
      return (await this.create(accountSid, name, maxSize)).record;
    })();
    this.creating.set(key, work);
    try {
      return await work;
    } finally {
      this.creating.delete(key);
    }
  }
}

function find(queue: LiveQueue, ref: string): { member: Member; position: number } | null {
  const members = queue.list();
  const i = ref === 'Front' ? (members.length > 0 ? 0 : -1) : members.findIndex((m) => m.callSid === ref);
  return i < 0 ? null : { member: members[i], position: i + 1 };
}

function memberView(queue: LiveQueue, member: Member, position: number): MemberView {
  return { callSid: member.callSid, queueSid: queue.record.sid, dateEnqueued: member.enqueuedAt, position, waitTimeSec: member.waitedSec() };
}

const duplicateName = (name: string) => badRequest(undefined, `A queue named '${name}' already exists in this account`);

