import type { ConferenceEndReason, ConferenceRecord, ConferenceSettings, ParticipantLeftReason } from '../domain/conference.js';
import { rfc2822 } from '../domain/dates.js';
import type { ErrorCode } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import type { Clock } from '../ports/clock.js';
import type { NewCallback } from '../ports/store.js';
import type { RoomMix } from '../ports/room-mix.js';
import type { JoinEnd, JoinRequest } from '../verbs/conference-rooms.js';
import { Participant } from './participant.js';
import { detectSpeech } from './speaker-detector.js';

export interface RoomDeps {
  clock: Clock;
  save(record: ConferenceRecord, callbacks: NewCallback[]): Promise<void>;
  beepUrl(): string;
  log: { error(obj: object, msg: string): void };
  /** Starts recording the room (`record`), into a Recording of this conference; stopped when it ends. */
  record(record: ConferenceRecord, mix: RoomMix): Promise<{ stop(): Promise<void> }>;
  /** Hangs up a REST participant's call that is still ringing when the room ends. */
  hangup(callSid: string): Promise<void>;
  /** The room ended: the registry forgets it as the active room of its name. */
  ended(room: ConferenceRoom): void;
}

/** What a REST update of a participant may change (conferences.md §4, update parameters). */
export interface ParticipantChange {
  muted?: boolean;
  hold?: boolean;
  holdUrl?: string | null;
  holdMethod?: HttpMethod;
  announceUrl?: string | null;
  announceMethod?: HttpMethod;
  waitUrl?: string | null;
  waitMethod?: HttpMethod;
  beepOnExit?: boolean;
  endConferenceOnExit?: boolean;
  coaching?: boolean;
  callSidToCoach?: string | null;
}

/**
 * One active conference (conferences.md §1): its participants, its mix and its lifecycle.
 * - It starts when at least two participants are present and one of them has
 *   `startConferenceOnEnter`; until then each hears its own wait document.
 * - It ends when the last participant leaves, when one with `endConferenceOnExit` leaves, or
 *   on REST `Status=completed`; everyone still in it is let go.
 * - Every change runs one at a time (`serial`), and every status callback is queued in the
 *   same write as the record, with the conference's own `SequenceNumber` (from 1).
 */
export class ConferenceRoom {
  readonly participants = new Map<string, Participant>();
  private chain: Promise<unknown> = Promise.resolve();
  private recording: { stop(): Promise<void> } | null = null;

  constructor(
    private record: ConferenceRecord,
    readonly settings: ConferenceSettings,
    private readonly mix: RoomMix,
    private readonly deps: RoomDeps,
  ) {}

  get sid(): string {
    return this.record.sid;
  }

  snapshot(): ConferenceRecord {
    return this.record;
  }

  get active(): boolean {
    return this.record.status !== 'completed';
  }

  private get started(): boolean {
    return this.record.status === 'in-progress';
  }

  /** Runs `step` after every earlier one: the room's mailbox. */
  serial<T>(step: () => Promise<T> | T): Promise<T> {
    const next = this.chain.then(step);
    this.chain = next.catch((err) => this.deps.log.error({ err, conferenceSid: this.sid }, 'conference step failed'));
    return next;
  }

  /** A REST-added participant: listed as `queued` until its call answers and joins. */
  expect(participant: Participant): Promise<void> {
    return this.serial(() => {
      this.participants.set(participant.callSid, participant);
    });
  }

  /** Checks a new participant against the room: full (16020), label in use (16025), coach absent (13240). */
  refusal(callSid: string, options: JoinRequest['participant'], rest: boolean): { code: ErrorCode; message: string } | null {
    if (!this.active) return { code: 16022, message: `Conference ${this.sid} is completed` };
    const others = [...this.participants.values()].filter((p) => p.callSid !== callSid);
    if (others.length >= this.settings.maxParticipants) return { code: 16020, message: `Conference is full (maxParticipants ${this.settings.maxParticipants})` };
    if (options.label !== null && others.some((p) => p.options.label === options.label)) {
      return { code: rest ? 16026 : 16025, message: `Participant label "${options.label}" is already in use in this conference` };
    }
    if (options.coach !== null) {
      const coached = this.participants.get(options.coach);
      if (!coached) return { code: rest ? 16028 : 13240, message: `The participant to coach, ${options.coach}, is not in this conference` };
      if (coached.hold) return { code: 16027, message: `The participant to coach, ${options.coach}, is on hold` };
    }
    return null;
  }

  /** `<Dial><Conference>` (or a REST participant's call, answered): in the room until released. */
  join(request: JoinRequest, signal: AbortSignal): Promise<JoinEnd> {
    return new Promise<JoinEnd>((resolve, reject) => {
      void this.serial(async () => {
        if (signal.aborted) return reject(signal.reason);
        const waiting = this.participants.get(request.call.sid);
        const refused = this.refusal(request.call.sid, request.participant, false);
        if (refused) {
          if (waiting) await this.drop(waiting, 'participant_add_failed', 'in-progress');
          return resolve({ type: 'refused', ...refused });
        }
        const participant = waiting ?? new Participant(request.call.sid, request.participant, this.deps.clock.now(), false);
        if (!waiting) this.participants.set(participant.callSid, participant);
        participant.media = request.media;
        participant.runWait = request.runWait;
        participant.status = 'connected';
        participant.dateUpdated = this.deps.clock.now();
        participant.release = resolve;
        signal.addEventListener('abort', () => {
          void this.serial(() => this.participantLeft(participant, (signal.reason as { reason?: ParticipantLeftReason }).reason ?? 'participant_hung_up'));
          reject(signal.reason);
        }, { once: true });
        // Mixed before anyone can see it connected, so what it says next is heard.
        if (participant.hold) this.playHold(participant);
        else if (this.started) this.enterMix(participant, true);
        await this.emit('join', 'participant-join', participant);
        if (this.started || participant.hold) return;
        const present = [...this.participants.values()].filter((p) => p.joined);
        if (present.length >= 2 && present.some((p) => p.options.startConferenceOnEnter)) return this.start(participant);
        this.playWait(participant);
      });
    });
  }

  private playWait(participant: Participant): void {
    const { waitUrl, waitMethod } = participant.options;
    participant.playAlone(async (signal) => {
      const end = await participant.runWait!({ url: waitUrl, method: waitMethod, whenDone: 'silence', disallowedCode: 13238 }, signal);
      // The wait document could not be used: the caller is not fully joined (conferences.md §2).
      if (end.type === 'error') void this.serial(() => this.release(participant, 'participant_hung_up', { type: 'left', why: 'wait-failed' }, false));
    });
  }

  /** The conference starts as `joiner` comes in: every waiting participant enters the mix. */
  private async start(joiner: Participant): Promise<void> {
    // Mixed before the record says in-progress: whoever sees the conference started can be heard.
    for (const participant of this.participants.values()) if (participant.joined && !participant.hold) this.enterMix(participant, false);
    await this.change({ status: 'in-progress', region: this.settings.region ?? 'us1' }, 'start', 'conference-start');
    // Recorded from the moment the first two are bridged; wait music never is (conferences.md §2 `record`).
    if (this.settings.record) {
      this.recording = await this.deps.record(this.record, this.mix).catch((err) => {
        this.deps.log.error({ err, conferenceSid: this.sid }, 'could not start the conference recording');
        return null;
      });
    }
    if (joiner.beepsOnEnter) this.beep();
  }

  private enterMix(participant: Participant, beep: boolean): void {
    participant.stopSolo();
    participant.member = this.mix.add(participant.callSid, participant.media!, mixOptions(participant));
    if (this.settings.statusCallbackEvents.includes('speaker')) {
      participant.speech?.close();
      let started = false;
      participant.speech = detectSpeech(participant.media!, this.deps.clock, (speaking) => {
        // Speech while muted is nobody's business: the room does not hear it. A stop follows only a start.
        if (speaking === started || (speaking && participant.options.muted)) return;
        started = speaking;
        void this.serial(() => this.emit('speaker', speaking ? 'participant-speech-start' : 'participant-speech-stop', participant));
      });
    }
    if (beep && participant.beepsOnEnter) this.beep();
  }

  private beep(): void {
    this.mix.voice.play(this.deps.beepUrl(), new AbortController().signal).catch(() => {});
  }

  /** A participant's call left the room on its own (hang-up, redirect, `*`, timeLimit). */
  private async participantLeft(participant: Participant, reason: ParticipantLeftReason): Promise<void> {
    if (this.participants.get(participant.callSid) !== participant) return;
    participant.release = null;
    await this.drop(participant, reason, reason === 'participant_hung_up' ? 'completed' : 'in-progress');
    await this.afterLeaving(participant, false);
  }

  /** Lets a participant go from the room's side (kick, wait failure); its call carries on after the `<Dial>`. */
  async release(participant: Participant, reason: ParticipantLeftReason, end: JoinEnd, kicked = true): Promise<void> {
    if (this.participants.get(participant.callSid) !== participant) return;
    const release = participant.release;
    participant.release = null;
    await this.drop(participant, reason, 'in-progress');
    release?.(end);
    await this.afterLeaving(participant, kicked);
  }

  /** Removes a participant and sends its leave event. */
  async drop(participant: Participant, reason: ParticipantLeftReason, callStatus: string): Promise<void> {
    participant.silence();
    this.participants.delete(participant.callSid);
    participant.status = reason === 'participant_add_failed' ? 'failed' : 'complete';
    await this.emit('leave', 'participant-leave', participant, { ParticipantCallStatus: callStatus, ReasonParticipantLeft: reason });
  }

  private async afterLeaving(participant: Participant, kicked: boolean): Promise<void> {
    if (!this.active) return;
    const anyJoined = [...this.participants.values()].some((p) => p.joined);
    if (participant.options.endConferenceOnExit && participant.joined) {
      return this.end(kicked ? 'participant-with-end-conference-on-exit-kicked' : 'participant-with-end-conference-on-exit-left', participant);
    }
    if (this.participants.size === 0 || (!anyJoined && participant.joined)) return this.end(kicked ? 'last-participant-kicked' : 'last-participant-left', participant);
    if (this.started && participant.beepsOnExit && participant.joined) this.beep();
  }

  /** Ends the conference: everyone left is let go, then `conference-end`. Idempotent. */
  async end(reason: ConferenceEndReason, by: Participant | null): Promise<void> {
    if (!this.active) return;
    const leftReason: ParticipantLeftReason = reason === 'conference-ended-via-api' ? 'conference_ended_via_api' : 'moderator_ended_conference';
    for (const participant of [...this.participants.values()]) {
      const release = participant.release;
      participant.release = null;
      await this.drop(participant, participant.joined ? leftReason : 'participant_add_failed', participant.joined ? 'in-progress' : 'canceled');
      release?.({ type: 'left', why: 'ended' });
      if (!participant.joined) this.deps.hangup(participant.callSid).catch(() => {});
    }
    const extra: Record<string, string> = { ReasonConferenceEnded: reason, Reason: endReasonText(reason, by) };
    if (by) extra.CallSidEndingConference = by.callSid;
    if (by?.options.label) extra.ParticipantLabelEndingConference = by.options.label;
    await this.change({ status: 'completed', reasonConferenceEnded: reason, callSidEndingConference: by?.callSid ?? null }, 'end', 'conference-end', undefined, extra);
    await this.recording?.stop().catch((err) => this.deps.log.error({ err, conferenceSid: this.sid }, 'could not finish the conference recording'));
    this.recording = null;
    this.mix.close();
    this.deps.ended(this);
  }

  /** A REST participant update (conferences.md §4): applied at once, with its events. */
  update(participant: Participant, change: ParticipantChange): Promise<void> {
    return this.serial(async () => {
      if (change.muted !== undefined && change.muted !== participant.options.muted) {
        participant.options = { ...participant.options, muted: change.muted };
        participant.member?.set(mixOptions(participant));
        await this.emit('mute', change.muted ? 'participant-mute' : 'participant-unmute', participant);
      }
      let modified = false;
      if (change.beepOnExit !== undefined) { participant.beepOnExit = change.beepOnExit; modified = true; }
      if (change.endConferenceOnExit !== undefined) { participant.options = { ...participant.options, endConferenceOnExit: change.endConferenceOnExit }; modified = true; }
      if (change.waitUrl !== undefined) {
        participant.options = { ...participant.options, waitUrl: change.waitUrl, waitMethod: change.waitMethod ?? 'POST' };
        modified = true;
        if (!this.started && participant.joined && !participant.hold) this.playWait(participant);
      }
      if (change.coaching !== undefined || change.callSidToCoach !== undefined) {
        const coach = change.coaching === false ? null : change.callSidToCoach ?? participant.options.coach;
        participant.options = { ...participant.options, coach };
        participant.member?.set(mixOptions(participant));
        modified = true;
      }
      if (modified) await this.emit('modify', 'participant-modify', participant);
      if (change.hold !== undefined && change.hold !== participant.hold) await this.setHold(participant, change);
      if (change.announceUrl) this.announceTo(participant, change.announceUrl, change.announceMethod ?? 'POST');
      participant.dateUpdated = this.deps.clock.now();
    });
  }

  private async setHold(participant: Participant, change: ParticipantChange): Promise<void> {
    participant.hold = change.hold!;
    if (participant.hold) participant.holdDocument = { url: change.holdUrl ?? null, method: change.holdMethod ?? 'GET' };
    await this.emit('hold', participant.hold ? 'participant-hold' : 'participant-unhold', participant);
    // A REST participant still ringing is put on hold (or taken off) when it joins.
    if (!participant.joined) return;
    if (participant.hold) this.playHold(participant);
    else if (this.started) this.enterMix(participant, false);
    else this.playWait(participant);
  }

  /** Out of the mix, hearing its hold document alone; a hold document that fails leaves silence. */
  private playHold(participant: Participant): void {
    participant.silence();
    const { url, method } = participant.holdDocument;
    participant.playAlone(async (signal) => {
      const end = await participant.runWait!({ url, method, whenDone: 'silence', disallowedCode: 13238 }, signal);
      if (end.type === 'error') this.deps.log.error({ conferenceSid: this.sid, callSid: participant.callSid, code: end.code }, 'hold document failed; the participant stays on hold in silence');
    });
  }

  /** `AnnounceUrl` on a participant: heard by that participant only. */
  private announceTo(participant: Participant, url: string, method: HttpMethod): void {
    if (!participant.runWait) return;
    participant.runWait({ url, method, whenDone: 'end', disallowedCode: 13238 }, new AbortController().signal)
      .then((end) => this.serial(() => this.announced(url, end.type === 'error' ? end.message : null, participant)), () => {});
  }

  /** `AnnounceUrl` on the conference: played on the room's voice, heard by everyone. */
  announce(url: string, method: HttpMethod): void {
    const host = [...this.participants.values()].find((p) => p.runWait);
    if (!host) return;
    host.runWait!({ url, method, whenDone: 'end', disallowedCode: 13238, media: this.mix.voice }, new AbortController().signal)
      .then((end) => this.serial(() => this.announced(url, end.type === 'error' ? end.message : null, null)), () => {});
  }

  private announced(url: string, failure: string | null, participant: Participant | null): Promise<void> {
    const extra: Record<string, string> = { AnnounceUrl: url };
    if (failure) extra.ReasonAnnouncementFailed = failure;
    return this.emit('announcement', failure ? 'announcement-fail' : 'announcement-end', participant ?? undefined, extra);
  }

  private emit(event: ConferenceSettings['statusCallbackEvents'][number], name: string, participant?: Participant, extra: Record<string, string> = {}): Promise<void> {
    return this.change({}, event, name, participant, extra);
  }

  /** The one place the record changes: saved with the status callback of `name`, if subscribed. */
  private async change(patch: Partial<ConferenceRecord>, event: ConferenceSettings['statusCallbackEvents'][number], name: string, participant?: Participant, extra: Record<string, string> = {}): Promise<void> {
    const now = this.deps.clock.now();
    const next: ConferenceRecord = { ...this.record, ...patch, dateUpdated: Object.keys(patch).length > 0 ? now : this.record.dateUpdated };
    const callbacks: NewCallback[] = [];
    const { statusCallback, statusCallbackMethod, statusCallbackEvents } = this.settings;
    if (statusCallback && statusCallbackEvents.includes(event)) {
      const params: Record<string, string> = {
        ConferenceSid: next.sid, FriendlyName: next.friendlyName, AccountSid: next.accountSid,
        SequenceNumber: String(next.callbackSequence), Timestamp: rfc2822(now), StatusCallbackEvent: name,
        ...(participant && participantParams(participant)), ...extra,
      };
      callbacks.push({ callSid: next.sid, accountSid: next.accountSid, sequenceNumber: next.callbackSequence, url: statusCallback, method: statusCallbackMethod, params });
      next.callbackSequence += 1;
    }
    if (callbacks.length === 0 && Object.keys(patch).length === 0) return;
    this.record = next;
    await this.deps.save(next, callbacks);
  }
}

function mixOptions(participant: Participant) {
  return { muted: participant.options.muted, coaching: participant.options.coach };
}

function participantParams(p: Participant): Record<string, string> {
  const params: Record<string, string> = {
    CallSid: p.callSid, Muted: String(p.options.muted), Hold: String(p.hold), Coaching: String(p.options.coach !== null),
    EndConferenceOnExit: String(p.options.endConferenceOnExit), StartConferenceOnEnter: String(p.options.startConferenceOnEnter),
  };
  if (p.options.label) params.ParticipantLabel = p.options.label;
  return params;
}

function endReasonText(reason: ConferenceEndReason, by: Participant | null): string {
  switch (reason) {
    case 'conference-ended-via-api': return 'Conference ended via API';
    case 'last-participant-left': return `Participant ${by?.callSid} left, and was the last one`;
    case 'last-participant-kicked': return `Participant ${by?.callSid} was removed, and was the last one`;
    default: return `Participant ${by?.callSid} with endConferenceOnExit left the conference`;
  }
}
