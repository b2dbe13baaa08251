import type { CallRecording, FarEndSignal, Media, MediaJoin } from '../ports/carrier.js';
import type { Clock } from '../ports/clock.js';
import type { AudioRoomMix, MixMember, MixOptions, MixSource, RoomMix, RoomMixFactory } from '../ports/room-mix.js';
import { SignalMix } from './signal-mix.js';

interface Member {
  callSid: string;
  media: Media;
  options: MixOptions;
  /** Its seat in the audio mix: a native leg, or a source its words are rendered into. */
  audio: MixMember | MixSource;
  /** A simulated member: its seat among the simulated ones, and the tap feeding its words to the audio mix. */
  signal?: MixMember;
  words?: MediaJoin;
  /** A SIP member while the room has simulated members: its frames, fed to each of them. */
  frames?: MediaJoin;
}

/**
 * A room of SIP legs, simulated legs, or both (docs/compatibility.md "Conference audio on SIP").
 * SIP legs are mixed as PCM in the media worker (the AudioRoomMix); simulated legs hear one
 * another at signal level (SignalMix, as a `<Dial>` bridge carries words). Across the kinds:
 * a simulated phone's words and keys are rendered into the PCM mix (speech as TTS, keys as
 * tones), so every SIP member hears them in the mix; each SIP member's audio reaches every
 * simulated member as `{"kind":"audio", fromCallSid}` heard entries, as across a bridge. Mute
 * and coaching hold on both sides. The room's voice plays on both; a room that ever had a SIP
 * member records the PCM mix (simulated words in it), else the signal-level recording.
 */
export class MixedRoomMix implements RoomMix {
  private readonly signalMix: SignalMix;
  private readonly members = new Map<string, Member>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly audio: AudioRoomMix,
  ) {
    this.signalMix = new SignalMix(clock);
  }

  add(callSid: string, media: Media, options: MixOptions): MixMember {
    const earlier = this.members.get(callSid);
    if (earlier) this.leave(earlier);
    const opts = { ...options };
    let member: Member;
    if (this.audio.accepts(media)) {
      member = { callSid, media, options: opts, audio: this.audio.add(callSid, media, opts) };
    } else {
      const source = this.audio.addSource(callSid, opts);
      member = { callSid, media, options: opts, audio: source, signal: this.signalMix.add(callSid, media, opts) };
      member.words = media.tap((signal) => {
        if (this.members.get(callSid) === member) source.feed(signal);
      });
    }
    this.members.set(callSid, member);
    this.syncFrames();
    return {
      set: (next) => {
        if (this.members.get(callSid) !== member) return;
        member.options = { ...next };
        member.audio.set(next);
        member.signal?.set(next);
      },
      remove: () => {
        if (this.members.get(callSid) === member) this.leave(member);
      },
    };
  }

  readonly voice: RoomMix['voice'] = {
    say: (text, options, signal) => this.both((mix) => mix.voice.say(text, options, signal)),
    play: (url, signal) => this.both((mix) => mix.voice.play(url, signal)),
    playDigits: (digits, signal) => this.both((mix) => mix.voice.playDigits(digits, signal)),
    pause: (ms, signal) => this.clock.sleep(ms, signal),
  };

  startRecording(path: string): CallRecording {
    return this.audio.carriesAudio ? this.audio.startRecording(path) : this.signalMix.startRecording(path);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const member of [...this.members.values()]) this.leave(member);
    this.signalMix.close();
    this.audio.close();
  }

  /** Plays on the SIP side (when it has a room) and on the simulated members; done when both are. */
  private async both(play: (mix: RoomMix) => Promise<void>): Promise<void> {
    const mixes: RoomMix[] = [this.signalMix];
    if (this.audio.carriesAudio) mixes.push(this.audio);
    await Promise.all(mixes.map(play));
  }

  private leave(member: Member): void {
    this.members.delete(member.callSid);
    member.words?.close();
    member.frames?.close();
    member.audio.remove();
    member.signal?.remove();
    this.syncFrames();
  }

  /** SIP members' frames are tapped (a decode and a post per frame) only while someone simulated listens. */
  private syncFrames(): void {
    const listening = [...this.members.values()].some((m) => m.signal);
    for (const member of this.members.values()) {
      if (member.signal) continue;
      if (listening && !member.frames) member.frames = member.media.tap((signal) => this.toSimulated(member, signal));
      else if (!listening && member.frames) {
        member.frames.close();
        member.frames = undefined;
      }
    }
  }

  private toSimulated(from: Member, signal: FarEndSignal): void {
    if (signal.kind !== 'audio' || from.options.muted || this.members.get(from.callSid) !== from) return;
    for (const to of this.members.values()) {
      if (!to.signal || (from.options.coaching !== null && from.options.coaching !== to.callSid)) continue;
      to.media.feed(signal, from.callSid);
    }
  }
}

/** Rooms for app.ts: SIP legs in the media worker's mix, simulated legs at signal level, both linked. */
export const mixedRoomFactory = (clock: Clock, audio: () => AudioRoomMix): RoomMixFactory => () => new MixedRoomMix(clock, audio());
