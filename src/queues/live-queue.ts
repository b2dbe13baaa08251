import type { QueueRecord } from '../domain/queue.js';
import type { Clock } from '../ports/clock.js';
import { Handoff, type Dequeuer, type QueuedCall } from '../verbs/call-queues.js';

/** How many dequeued CallSids a queue remembers, so a repeated REST dequeue is a 400, not a 404. */
const REMEMBERED = 1000;

/** One caller in a live queue, in FIFO order. */
export class Member implements QueuedCall {
  private settle: ((value: Handoff | 'redirected') => void) | null = null;
  readonly taken: Promise<Handoff | 'redirected'>;
  private takenAt: number | null = null;
  private handedTo: Handoff | null = null;

  constructor(private readonly queue: LiveQueue, readonly callSid: string, readonly enqueuedAt: number) {
    this.taken = new Promise((resolve) => (this.settle = resolve));
  }

  get queueSid(): string {
    return this.queue.record.sid;
  }

  waitedSec(): number {
    return this.queue.secondsSince(this.enqueuedAt, this.takenAt);
  }

  waitParams(): Record<string, string> {
    const q = this.queue;
    return {
      QueuePosition: String(q.positionOf(this) ?? 0), QueueSid: q.record.sid, QueueTime: String(this.waitedSec()),
      AvgQueueTime: String(q.averageWaitSec()), CurrentQueueSize: String(q.size), MaxQueueSize: String(q.record.maxSize),
    };
  }

  leave(): void {
    this.queue.remove(this);
    // Taken by an agent at the same moment: the agent must not wait for a caller who left.
    this.handedTo?.callerLeft('hangup');
  }

  /** Taken by an agent or a REST dequeue: out of the queue, its `<Enqueue>` told. */
  hand(to: Handoff | 'redirected'): void {
    this.takenAt = this.queue.now();
    if (to !== 'redirected') this.handedTo = to;
    this.settle?.(to);
    this.settle = null;
  }
}

interface Waiter {
  agent: Dequeuer;
  give(handoff: Handoff): void;
}

/**
 * A queue's live part (queues.md §8): its members in order of arrival and the agents waiting
 * for one. Everything here is synchronous, so a pop is atomic: two agents never get the same
 * caller, and a caller arriving while an agent waits goes straight to that agent.
 */
export class LiveQueue {
  private readonly members: Member[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly dequeued = new Set<string>();

  constructor(public record: QueueRecord, private readonly clock: Clock) {}

  get size(): number {
    return this.members.length;
  }

  get idle(): boolean {
    return this.members.length === 0 && this.waiters.length === 0;
  }

  now(): number {
    return this.clock.now();
  }

  secondsSince(from: number, until: number | null): number {
    return Math.max(0, Math.round(((until ?? this.clock.now()) - from) / 1000));
  }

  /** The members in order (position 1 first). */
  list(): readonly Member[] {
    return this.members;
  }

  positionOf(member: Member): number | null {
    const i = this.members.indexOf(member);
    return i < 0 ? null : i + 1;
  }

  /** Average seconds waited by the members now in the queue (queues.md §5: computed at read). */
  averageWaitSec(): number {
    if (this.members.length === 0) return 0;
    const now = this.clock.now();
    const total = this.members.reduce((sum, m) => sum + (now - m.enqueuedAt), 0);
    return Math.round(total / this.members.length / 1000);
  }

  /** Adds a caller; null when the queue is full. A waiting agent takes it at once. */
  add(callSid: string): Member | null {
    if (this.members.length >= this.record.maxSize) return null;
    const member = new Member(this, callSid, this.clock.now());
    this.members.push(member);
    const waiter = this.waiters.shift();
    if (waiter) waiter.give(this.handOff(this.members.shift()!, waiter.agent));
    return member;
  }

  /** The front member handed to `agent`, or null when the queue is empty. */
  popFront(agent: Dequeuer): Handoff | null {
    const member = this.members.shift();
    return member ? this.handOff(member, agent) : null;
  }

  /** Waits for the next caller; the returned function stops waiting. */
  wait(agent: Dequeuer, give: (handoff: Handoff) => void): () => void {
    const waiter = { agent, give };
    this.waiters.push(waiter);
    return () => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) this.waiters.splice(i, 1);
    };
  }

  /** A REST dequeue (Members update): the member leaves, and its call gets new TwiML. */
  dequeueForRedirect(member: Member): void {
    this.remove(member);
    this.remember(member.callSid);
    member.hand('redirected');
  }

  wasDequeued(callSid: string): boolean {
    return this.dequeued.has(callSid);
  }

  remove(member: Member): void {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
  }

  private handOff(member: Member, agent: Dequeuer): Handoff {
    this.remember(member.callSid);
    const handoff = new Handoff(this.record.sid, member.callSid, agent, member.waitedSec());
    member.hand(handoff);
    return handoff;
  }

  private remember(callSid: string): void {
    this.dequeued.add(callSid);
    if (this.dequeued.size > REMEMBERED) this.dequeued.delete(this.dequeued.values().next().value!);
  }
}
