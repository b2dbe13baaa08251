import type { NewCallRequest } from '../calls/call-service.js';
import { accountPath } from '../domain/api-paths.js';
import { isTerminal } from '../domain/call-status.js';
import type { CallRecord } from '../domain/call.js';
import type { ConferenceRecord, ConferenceSettings, ParticipantOptions } from '../domain/conference.js';
import { badRequest, notFound, TwilioError } from '../domain/errors.js';
import type { HttpMethod } from '../domain/http-method.js';
import { newSid } from '../domain/sid.js';
import type { CallEvents } from '../ports/call-events.js';
import type { Clock } from '../ports/clock.js';
import type { ConferenceFilter, ConferenceStore } from '../ports/conference-store.js';
import type { MediaAssets } from '../ports/media-assets.js';
import type { RoomMixFactory } from '../ports/room-mix.js';
import type { Recordings } from '../recordings/recordings.js';
import type { PageRequest } from '../ports/store.js';
import type { ConferenceRooms, JoinEnd, JoinRequest } from '../verbs/conference-rooms.js';
import { ConferenceRoom, type ParticipantChange } from './conference-room.js';
import { Participant } from './participant.js';
import { participantTwiml } from './participant-twiml.js';

/** What the conferences need from the calls: placing a REST participant's call, and hanging one up. */
export interface ParticipantCalls {
  create(accountSid: string, request: NewCallRequest): Promise<CallRecord>;
  hangup(accountSid: string, callSid: string): Promise<void>;
}

export interface ConferenceServiceDeps {
  store: ConferenceStore;
  clock: Clock;
  outbox: { kick(): void };
  events: CallEvents;
  assets: MediaAssets;
  /** Makes each room's mix: the signal-level one, or a composite that also mixes SIP legs. */
  mix: RoomMixFactory;
  recordings: Pick<Recordings, 'beginConference' | 'finish'>;
  /** Resolved lazily: the call service is built with these rooms in its dependencies. */
  calls: () => ParticipantCalls;
  log: { error(obj: object, msg: string): void };
}

/** A REST participant to add (`POST …/Participants`): its call, its flags, the room's settings. */
export interface NewParticipant {
  call: NewCallRequest;
  participant: ParticipantOptions;
  settings: ConferenceSettings;
}

const conferencePath = (accountSid: string, sid: string) => `${accountPath(accountSid)}/Conferences/${sid}.json`;

/**
 * The conference rooms of every account (conferences.md §1, §7): at most one active room per
 * friendly name, every record kept in the store for the REST history. Implements what
 * `<Dial><Conference>` needs (`ConferenceRooms`) and the Conference and Participant resources.
 */
export class ConferenceService implements ConferenceRooms {
  /** `${accountSid} ${friendlyName}` → the active room of that name. */
  private readonly byName = new Map<string, ConferenceRoom>();
  private readonly bySid = new Map<string, ConferenceRoom>();

  constructor(private readonly deps: ConferenceServiceDeps) {}

  async join(request: JoinRequest, signal: AbortSignal): Promise<JoinEnd> {
    const end = await this.roomNamed(request.call.accountSid, request.name, request.settings).join(request, signal);
    // The room ended between being found and being joined: the name now means a new room.
    if (end.type === 'refused' && end.code === 16022) return this.roomNamed(request.call.accountSid, request.name, request.settings).join(request, signal);
    return end;
  }

  /** The active room of that name, or a new one with `settings` (the first participant's). */
  private roomNamed(accountSid: string, name: string, settings: ConferenceSettings): ConferenceRoom {
    const key = `${accountSid} ${name}`;
    const existing = this.byName.get(key);
    if (existing) return existing;
    const now = this.deps.clock.now();
    const record: ConferenceRecord = {
      sid: newSid('CF'), accountSid, friendlyName: name, status: 'init', region: settings.region, dateCreated: now, dateUpdated: now,
      reasonConferenceEnded: null, callSidEndingConference: null, callbackSequence: 1,
    };
    const room = new ConferenceRoom(record, settings, this.deps.mix(), {
      clock: this.deps.clock,
      save: async (next, callbacks) => {
        await this.deps.store.saveConference(next, callbacks);
        if (callbacks.length > 0) this.deps.outbox.kick();
      },
      beepUrl: () => this.deps.assets.beepUrl(),
      hangup: (callSid) => this.deps.calls().hangup(accountSid, callSid),
      record: async (conference, mix) => {
        const active = await this.deps.recordings.beginConference(conference, {
          statusCallback: settings.recordingStatusCallback, statusCallbackMethod: settings.recordingStatusCallbackMethod,
          statusCallbackEvents: [...settings.recordingStatusCallbackEvents], trim: settings.trim,
        });
        const running = mix.startRecording(active.path);
        return { stop: async () => { await running.stop(); await this.deps.recordings.finish(active); } };
      },
      log: this.deps.log,
      ended: (ended) => {
        if (this.byName.get(key) === ended) this.byName.delete(key);
        this.bySid.delete(ended.sid);
      },
    });
    this.byName.set(key, room);
    this.bySid.set(record.sid, room);
    void room.serial(() => this.deps.store.saveConference(record, []));
    return room;
  }

  // ---- the Conference resource (conferences.md §3) ------------------------------------

  async fetch(accountSid: string, sid: string): Promise<ConferenceRecord> {
    const live = this.bySid.get(sid);
    if (live && live.snapshot().accountSid === accountSid) return live.snapshot();
    const stored = await this.deps.store.getConference(accountSid, sid);
    if (!stored) throw notFound(conferencePath(accountSid, sid));
    return stored;
  }

  list(filter: ConferenceFilter, page: PageRequest): Promise<ConferenceRecord[]> {
    return this.deps.store.listConferences(filter, page);
  }

  /** `Status=completed` ends it; `AnnounceUrl` plays to the whole room. A conference that has ended is 16001. */
  async update(accountSid: string, sid: string, update: { completed: boolean; announceUrl: string | null; announceMethod: HttpMethod }): Promise<ConferenceRecord> {
    const room = await this.liveRoom(accountSid, sid, 16001);
    if (update.announceUrl) room.announce(update.announceUrl, update.announceMethod);
    if (update.completed) await room.serial(() => room.end('conference-ended-via-api', null));
    return room.snapshot();
  }

  private async liveRoom(accountSid: string, sid: string, endedCode: 16001 | 16022): Promise<ConferenceRoom> {
    const room = this.bySid.get(sid);
    if (room && room.snapshot().accountSid === accountSid && room.active) return room;
    await this.fetch(accountSid, sid);
    throw badRequest(endedCode, endedCode === 16001 ? `Conference ${sid} is not bridged: it has ended` : `Conference ${sid} does not exist or is completed`);
  }

  // ---- Participants (conferences.md §4) ---------------------------------------------

  /** Active participants only; a completed conference has none. */
  async participants(accountSid: string, sid: string): Promise<{ room: ConferenceRecord; participants: Participant[] }> {
    const record = await this.fetch(accountSid, sid);
    const room = this.bySid.get(sid);
    return { room: record, participants: room?.active ? [...room.participants.values()] : [] };
  }

  /** By Call SID first, then by label (conferences.md §4 addressing rules). */
  async participant(accountSid: string, sid: string, ref: string): Promise<{ room: ConferenceRoom; participant: Participant }> {
    await this.fetch(accountSid, sid);
    const room = this.bySid.get(sid);
    const all = room?.active ? [...room.participants.values()] : [];
    const participant = all.find((p) => p.callSid === ref) ?? all.find((p) => p.options.label === ref);
    if (!room || !participant) throw notFound(`${accountPath(accountSid)}/Conferences/${sid}/Participants/${ref}.json`);
    return { room, participant };
  }

  /**
   * Dials a new call into the room (`POST …/Participants`): `ref` is a CF SID (its conference
   * must be active: 16022) or a friendly name (the room is made when none is active). The call
   * runs one `<Dial><Conference>` of its own: once it leaves the room it has no TwiML left, and
   * ends. A call that fails (busy, no-answer) leaves with `participant_add_failed`.
   */
  async addParticipant(accountSid: string, ref: string, request: NewParticipant): Promise<{ room: ConferenceRoom; participant: Participant }> {
    const bySid = /^CF[0-9a-f]{32}$/.test(ref);
    // A new room has nobody to coach: refused before the room is made.
    if (!bySid && !this.byName.has(`${accountSid} ${ref}`) && request.participant.coach !== null) {
      throw badRequest(16028, `The participant to coach, ${request.participant.coach}, is not in this conference`);
    }
    const room = bySid ? await this.liveRoom(accountSid, ref, 16022) : this.roomNamed(accountSid, ref, request.settings);
    const refused = room.refusal('', request.participant, true);
    if (refused) throw new TwilioError(400, refused.code, refused.message);
    const twiml = participantTwiml(room.snapshot().friendlyName, request.participant, room.settings);
    const call = await this.deps.calls().create(accountSid, { ...request.call, config: { ...request.call.config, url: null, twiml } });
    const participant = new Participant(call.sid, request.participant, this.deps.clock.now(), true);
    // Listening before anything is awaited: a busy line can end the call within a turn or two.
    const stop = this.deps.events.onCall(call.sid, (type, event) => {
      if (type !== 'status') return;
      const { to } = event as { to: CallRecord['status'] };
      if (to === 'ringing' && !participant.joined) participant.status = 'ringing';
      if (to === 'in-progress' && !participant.joined) participant.status = 'connecting';
      if (!isTerminal(to)) return;
      stop();
      if (!participant.joined) void room.serial(() => this.addFailed(room, participant, to));
    });
    await room.expect(participant);
    return { room, participant };
  }

  private async addFailed(room: ConferenceRoom, participant: Participant, callStatus: string): Promise<void> {
    if (room.participants.get(participant.callSid) !== participant) return;
    await room.drop(participant, 'participant_add_failed', callStatus);
    if (room.participants.size === 0) await room.end('last-participant-left', participant);
  }

  async updateParticipant(accountSid: string, sid: string, ref: string, change: ParticipantChange): Promise<{ room: ConferenceRoom; participant: Participant }> {
    const found = await this.participant(accountSid, sid, ref);
    if (change.coaching === true) {
      const coached = change.callSidToCoach ?? found.participant.options.coach;
      const target = coached ? found.room.participants.get(coached) : undefined;
      if (!target) throw badRequest(16028, `The participant to coach${coached ? `, ${coached},` : ''} is not in this conference`);
      if (target.hold) throw badRequest(16027, `The participant to coach, ${coached}, is on hold`);
    }
    await found.room.update(found.participant, change);
    return found;
  }

  /** Kick (`DELETE …/Participants/{CallSid}`): a TwiML caller goes on after its `<Dial>`; a participant still ringing is hung up. */
  async removeParticipant(accountSid: string, sid: string, ref: string): Promise<void> {
    const { room, participant } = await this.participant(accountSid, sid, ref);
    if (!participant.joined) {
      await this.deps.calls().hangup(accountSid, participant.callSid);
      return;
    }
    await room.serial(() => room.release(participant, 'participant_updated_via_api', { type: 'left', why: 'kicked' }));
  }

  /**
   * Conferences left active by a crash: their calls were closed on restart, so nobody is in
   * them; each ends as its last participant left, at the time of recovery.
   */
  async closeOrphaned(): Promise<number> {
    const orphans = (await this.deps.store.listLiveConferences()).filter((c) => !this.bySid.has(c.sid));
    for (const c of orphans) {
      await this.deps.store.saveConference({ ...c, status: 'completed', reasonConferenceEnded: 'last-participant-left', dateUpdated: this.deps.clock.now() });
    }
    return orphans.length;
  }
}
