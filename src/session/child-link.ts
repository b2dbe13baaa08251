import type { CallCommand } from '../domain/call-command.js';
import type { CallRecord } from '../domain/call.js';
import type { Media } from '../ports/carrier.js';
import type { DialedCall, DialedCallListener, SipOutcome } from '../verbs/verb-context.js';

/**
 * Where a `<Dial>` child stands towards its parent's dial (dial.md §3–§4):
 * `ringing` → (answered) `whisper` while its noun's `url` document runs → `bridged` once it is
 * ready to join; `free` once it left the dial (ended, or redirected by REST to run on its own).
 */
export type ChildPhase = 'ringing' | 'whisper' | 'bridged' | 'free';

/** What the link needs from the child's session. */
export interface ChildSessionHandle {
  readonly sid: string;
  readonly media: Media;
  snapshot(): CallRecord;
  send(command: CallCommand): Promise<void>;
  sip(): SipOutcome;
  bridged(otherCallSid: string, joined: boolean): void;
}

/**
 * The tie between a child call's session and the `<Dial>` that placed it: the session reports
 * here (`connected`, `left`), the verb listens and drives the child through it. Each report is
 * made at most once, and none after the child left; a listener that comes after the child left
 * is told so at once.
 */
export class ChildLink implements DialedCall {
  private listener: DialedCallListener | null = null;
  private phaseValue: ChildPhase = 'ringing';
  /** A report made before the verb listened (a child can fail at once): replayed on listen. */
  private backlog: ((listener: DialedCallListener) => void)[] = [];
  /** How it left, once it has: told again to a listener that comes later (the verb re-listens at the bridge). */
  private leaving: ((listener: DialedCallListener) => void) | null = null;

  constructor(private readonly session: ChildSessionHandle) {}

  get sid(): string {
    return this.session.sid;
  }

  get media(): Media {
    return this.session.media;
  }

  get phase(): ChildPhase {
    return this.phaseValue;
  }

  listen(listener: DialedCallListener): void {
    const replayed = this.backlog.splice(0);
    this.listener = listener;
    for (const report of replayed) report(listener);
    if (this.leaving && !replayed.includes(this.leaving)) this.leaving(listener);
  }

  snapshot(): CallRecord {
    return this.session.snapshot();
  }

  hangup(): Promise<void> {
    // A child that already ended has nothing to hang up (its mailbox refuses only updates).
    return this.session.send({ type: 'hangup' });
  }

  bridged(otherCallSid: string, joined: boolean): void {
    this.session.bridged(otherCallSid, joined);
  }

  sip(): SipOutcome {
    return this.session.sip();
  }

  /** The child answered; it runs its whisper document (if any) before it can be bridged. */
  answered(): void {
    if (this.phaseValue === 'ringing') this.phaseValue = 'whisper';
  }

  /** The whisper document ran to its end (or there was none): the child is ready to join. */
  connected(): void {
    if (this.phaseValue !== 'whisper') return;
    this.phaseValue = 'bridged';
    this.report((l) => l.connected());
  }

  /** The child left the dial; `call` is its record at that moment. */
  left(reason: 'ended' | 'redirected', call: CallRecord): void {
    if (this.phaseValue === 'free') return;
    this.phaseValue = 'free';
    this.leaving = (l) => l.left(reason, call);
    this.report(this.leaving);
  }

  private report(report: (listener: DialedCallListener) => void): void {
    if (this.listener) report(this.listener);
    else this.backlog.push(report);
  }
}
