import type { CallRecording, FarEndSignal, Media, MediaJoin, SayOptions } from '../ports/carrier.js';
import type { Clock } from '../ports/clock.js';
import type { AudioRoomMix, MixMember, MixOptions, MixSource } from '../ports/room-mix.js';
import type { Tts } from '../ports/tts.js';
import type { MixRoomHandle } from './rtp/mix-room-handle.js';
import type { MediaEngine, RtpStream } from './rtp/media-engine.js';
import type { AudioSource } from './sip-media.js';
import { SipMedia } from './sip-media.js';

export interface SipRoomMixDeps {
  engine: Pick<MediaEngine, 'openRoom'>;
  tts: Tts;
  audio: AudioSource;
  clock: Clock;
}

interface Entry {
  options: MixOptions;
  /** A remote member's tap (its received frames, fed to the room) and where what it hears goes. */
  tap?: MediaJoin;
  media?: Media;
}

/** Words of a simulated phone in a SIP room: a neutral voice, as a `<Dial>` bridge speaks them (sip-joins.ts). */
const SOURCE_VOICE: SayOptions = { voice: 'man', language: 'en-US' };
const UNTIL_CLOSED = new AbortController().signal;
const NO_MEMBER: MixSource = { set() {}, remove() {}, feed() {} };

/**
 * A conference room's mix on the SIP media workers (ports/room-mix.ts; docs/compatibility.md
 * "Conference audio on SIP"). The room's mixer lives on one media worker: the worker of the
 * first SIP leg added (or the least-loaded one when the room records or speaks first). A leg
 * whose RTP stream is on that worker is mixed from its packets there, in the same 20 ms slot
 * its stream sends. A leg on another worker cannot be moved (its UDP socket belongs to that
 * thread), so it is routed: its decoded frames are tapped to the main thread and fed to the
 * room, and its share of the mix comes back as 20 ms frames fed to its stream. That costs the
 * far leg two thread hops (about 20–40 ms more delay) and nothing else; a `<Dial>` child placed
 * beside its parent already shares its worker, and most rooms are built from such calls.
 *
 * Members are numbered per call SID for the life of the room, so a coach keeps pointing at the
 * member it coaches across that member's hold and return.
 */
export class SipRoomMix implements AudioRoomMix {
  private room: MixRoomHandle | undefined;
  private readonly ids = new Map<string, number>();
  private readonly entries = new Map<number, Entry>();
  private closed = false;
  /** Words of each source, chained so they play in the order said. */
  private readonly spoken = new Map<number, Promise<void>>();

  constructor(private readonly deps: SipRoomMixDeps) {}

  accepts(media: Media): boolean {
    return media instanceof SipMedia;
  }

  get carriesAudio(): boolean {
    return this.room !== undefined;
  }

  add(callSid: string, media: Media, options: MixOptions): MixMember {
    if (!(media instanceof SipMedia)) throw new TypeError(`Call ${callSid} is not a SIP leg: add it as a source`);
    if (this.closed) return NO_MEMBER;
    const id = this.enter(callSid, { options: { ...options } });
    const entry = this.entries.get(id)!;
    // A conference may seat a participant while its answer is still on the way.
    const stream = media.mixStream();
    if (stream) this.seat(id, entry, media, stream);
    else media.answered().then((s) => s && this.entries.get(id) === entry && !this.closed && this.seat(id, entry, media, s), () => undefined);
    return this.member(id, entry);
  }

  private seat(id: number, entry: Entry, media: SipMedia, stream: RtpStream): void {
    const room = this.openRoom(stream);
    if (room.isLocal(stream)) return room.add(id, stream, this.resolve(entry.options));
    entry.media = media;
    room.add(id, undefined, this.resolve(entry.options));
    entry.tap = media.tap((signal) => {
      if (signal.kind === 'audio' && this.entries.get(id) === entry) room.feed(id, signal.pcm);
    });
  }

  addSource(callSid: string, options: MixOptions): MixSource {
    if (this.closed) return NO_MEMBER;
    const id = this.enter(callSid, { options: { ...options } });
    const entry = this.entries.get(id)!;
    this.room?.add(id, 'source', this.resolve(options));
    const member = this.member(id, entry);
    return {
      ...member,
      feed: (signal: FarEndSignal) => {
        const room = this.room;
        if (!room || this.entries.get(id) !== entry) return;
        if (signal.kind === 'audio') return; // a simulated phone sends words and keys, not audio
        const render =
          signal.kind === 'digits'
            ? () => room.play(id, { digits: signal.digits }, UNTIL_CLOSED)
            : ((pcm) => () => pcm.then((p) => room.play(id, { pcm: p }, UNTIL_CLOSED)))(this.deps.tts.render(signal.text, SOURCE_VOICE, UNTIL_CLOSED));
        this.spoken.set(id, (this.spoken.get(id) ?? Promise.resolve()).then(render).catch(() => undefined));
      },
    };
  }

  readonly voice: AudioRoomMix['voice'] = {
    say: async (text, options, signal) => {
      const pcm = await this.deps.tts.render(text, options, signal);
      await this.voicePlay({ pcm }, signal);
    },
    play: async (url, signal) => this.voicePlay({ pcm: await this.deps.audio.load(url, signal) }, signal),
    playDigits: (digits, signal) => this.voicePlay({ digits }, signal),
    pause: (ms, signal) => this.deps.clock.sleep(ms, signal),
  };

  startRecording(path: string): CallRecording {
    if (this.closed) return { stop: async () => ({ durationMs: 0 }) };
    const recording = this.openRoom(undefined).record(path);
    return { stop: async () => ({ durationMs: (await recording.stop().catch(() => ({ durationMs: 0 }))).durationMs }) };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.entries.values()) entry.tap?.close();
    this.entries.clear();
    this.room?.close();
  }

  private voicePlay(audio: { pcm: Int16Array } | { digits: string }, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.resolve();
    return this.openRoom(undefined).play(undefined, audio, signal);
  }

  private openRoom(near: RtpStream | undefined): MixRoomHandle {
    if (this.room) return this.room;
    const room = this.deps.engine.openRoom(near);
    this.room = room;
    room.onOut = (id, pcm) => this.entries.get(id)?.media?.feed({ kind: 'audio', pcm }, '');
    // Sources that came before the first SIP leg take their seats now.
    for (const [id, entry] of this.entries) if (!entry.media) room.add(id, 'source', this.resolve(entry.options));
    return room;
  }

  /** The member's id (stable per call), replacing an earlier entry of the same call. */
  private enter(callSid: string, entry: Entry): number {
    let id = this.ids.get(callSid);
    if (id === undefined) {
      this.ids.set(callSid, (id = this.ids.size + 1));
      // A coach that came before the member it coaches now has someone to be heard by.
      for (const [other, e] of this.entries) if (e.options.coaching === callSid) this.room?.set(other, this.resolve(e.options));
    }
    const old = this.entries.get(id);
    if (old) this.leave(id, old);
    this.entries.set(id, entry);
    return id;
  }

  private member(id: number, entry: Entry): MixMember {
    return {
      set: (options) => {
        if (this.entries.get(id) !== entry) return;
        entry.options = { ...options };
        this.room?.set(id, this.resolve(options));
      },
      remove: () => {
        if (this.entries.get(id) === entry) this.leave(id, entry);
      },
    };
  }

  private leave(id: number, entry: Entry): void {
    entry.tap?.close();
    this.entries.delete(id);
    this.room?.remove(id);
  }

  /** `coaching` names a call; the worker knows members by number (one that never joined coaches nobody). */
  private resolve(options: MixOptions): { muted: boolean; coach: number | null } {
    if (options.coaching === null) return { muted: options.muted, coach: null };
    return { muted: options.muted, coach: this.ids.get(options.coaching) ?? -1 };
  }
}
