import type { ParticipantOptions, ParticipantStatus } from '../domain/conference.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { Media, MediaJoin } from '../ports/carrier.js';
import type { MixMember } from '../ports/room-mix.js';
import type { JoinEnd, JoinRequest } from '../verbs/conference-rooms.js';

/**
 * One participant of a room (conferences.md §4): its call, its flags, and where it stands in
 * the room. A participant added through the REST API exists from the create (`queued`) and
 * has no media until its call answers and joins.
 */
export class Participant {
  status: ParticipantStatus;
  hold = false;
  /** What it hears while on hold: `HoldUrl` (null: the built-in music) and `HoldMethod`. */
  holdDocument: { url: string | null; method: HttpMethod } = { url: null, method: 'GET' };
  /** `BeepOnExit` set by REST; null: what `beep` says. */
  beepOnExit: boolean | null = null;
  dateUpdated: number;
  media: Media | null = null;
  runWait: JoinRequest['runWait'] | null = null;
  /** In the mix (the conference started, not on hold). */
  member: MixMember | null = null;
  /** Watches it speak while it is in the mix (`speaker` events). */
  speech: MediaJoin | null = null;
  /** The wait music or hold document playing to this participant alone. */
  private solo: AbortController | null = null;
  /** Resolves the call's `join`; null for a REST participant that has not joined yet. */
  release: ((end: JoinEnd) => void) | null = null;

  constructor(
    readonly callSid: string,
    public options: ParticipantOptions,
    readonly dateCreated: number,
    /** Added by `POST …/Participants` (it dials out): its call has no TwiML of its own. */
    readonly viaApi: boolean,
  ) {
    this.status = viaApi ? 'queued' : 'connected';
    this.dateUpdated = dateCreated;
  }

  get joined(): boolean {
    return this.media !== null;
  }

  get beepsOnEnter(): boolean {
    return this.options.beep === 'true' || this.options.beep === 'onEnter';
  }

  get beepsOnExit(): boolean {
    return this.beepOnExit ?? (this.options.beep === 'true' || this.options.beep === 'onExit');
  }

  /** Plays a document to this participant only (wait music before start, hold music), replacing any. */
  playAlone(run: (signal: AbortSignal) => Promise<unknown>): void {
    this.stopSolo();
    const controller = new AbortController();
    this.solo = controller;
    run(controller.signal).catch(() => {});
  }

  stopSolo(): void {
    this.solo?.abort(new Error('stopped'));
    this.solo = null;
  }

  /** Takes it out of the mix and stops what it hears alone. Idempotent. */
  silence(): void {
    this.stopSolo();
    this.member?.remove();
    this.member = null;
    this.speech?.close();
    this.speech = null;
  }
}
