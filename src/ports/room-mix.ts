import type { CallRecording, FarEndSignal, Media } from './carrier.js';

/**
 * A conference room's audio (conferences.md §1; house-review.md, "seams": media joins). Every
 * member hears the sum of the others (an N−1 mix), never itself. Adapters: a log-level mix of
 * simulated phones (words and keys, as a `<Dial>` bridge carries them), and the SIP media
 * worker's PCM mixer (one worker per room); a room with both kinds links the two.
 *
 * Who is in the mix is the conference's business, not the mix's: a participant waiting for
 * the conference to start, or on hold, is not added (or is removed) and hears its own wait or
 * hold document on its own leg instead.
 */
export interface RoomMix {
  /** Puts a leg in the mix: from now on it hears the others, and is heard as `options` say. */
  add(callSid: string, media: Media, options: MixOptions): MixMember;
  /**
   * The room's own voice: what is played on it is heard by every member at once (an
   * announcement, a join or leave beep). Resolves when the audio has finished.
   */
  readonly voice: Pick<Media, 'say' | 'play' | 'pause' | 'playDigits'>;
  /** Records the room, every member mixed, into a WAV file (conference `record`). */
  startRecording(path: string): CallRecording;
  /** Removes every member and frees the mix. Idempotent. */
  close(): void;
}

export interface MixOptions {
  /** Heard by nobody; still hears the room (`muted`). */
  muted: boolean;
  /** Heard only by this call, which it coaches (`coach` / `CallSidToCoach`); null: heard by all. */
  coaching: string | null;
}

export interface MixMember {
  /** Changes how the member is heard (mute, coach), at once. */
  set(options: MixOptions): void;
  /** Takes the member out of the mix (leave, hold, kick). Idempotent. */
  remove(): void;
}

/** Makes the mix for a new room. */
export type RoomMixFactory = () => RoomMix;

/**
 * A mix of audio (the SIP media worker's PCM mixer) that a room of mixed kinds links with the
 * signal-level mix: it mixes the legs it `accepts` natively, and takes members of other kinds
 * as sources whose words and keys (`FarEndSignal`s) are rendered into the mix as audio.
 */
export interface AudioRoomMix extends RoomMix {
  /** Whether `media` is a leg this mix can carry natively (from its own audio). */
  accepts(media: Media): boolean;
  /** A member from elsewhere: what its far end sends (`feed`) is heard in the mix as `options` say. */
  addSource(callSid: string, options: MixOptions): MixSource;
  /** Whether any native member has been added (the room has audio of its own to record). */
  readonly carriesAudio: boolean;
}

export interface MixSource extends MixMember {
  feed(signal: FarEndSignal): void;
}
