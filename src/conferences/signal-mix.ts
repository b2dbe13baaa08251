import type { CallRecording, FarEndSignal, Media, MediaJoin } from '../ports/carrier.js';
import type { Clock } from '../ports/clock.js';
import type { MixMember, MixOptions, RoomMix, RoomMixFactory } from '../ports/room-mix.js';
import { writeWav } from '../recordings/wav-file.js';

interface Member {
  callSid: string;
  media: Media;
  options: MixOptions;
  tap: MediaJoin;
}

/**
 * The room mix at signal level (ports/room-mix.ts): what a member's far end sends (words and
 * keys from a simulated phone, audio frames from a SIP leg) is fed to every other member, as a
 * `<Dial>` bridge carries it, so a simulated phone's heard log shows
 * `{"kind":"speech","text","fromCallSid"}` for each thing said in the room. A muted member is
 * heard by nobody; a coach only by the member it coaches. Nothing is summed: a SIP room's PCM
 * mix is the media worker's (the `mix` adapter).
 */
export class SignalMix implements RoomMix {
  private readonly members = new Map<string, Member>();
  private closed = false;

  constructor(private readonly clock: Clock) {}

  add(callSid: string, media: Media, options: MixOptions): MixMember {
    this.members.get(callSid)?.tap.close();
    const member: Member = { callSid, media, options: { ...options }, tap: { close() {} } };
    member.tap = media.tap((signal) => this.spread(member, signal));
    this.members.set(callSid, member);
    return {
      set: (next) => {
        member.options = { ...next };
      },
      remove: () => {
        member.tap.close();
        if (this.members.get(callSid) === member) this.members.delete(callSid);
      },
    };
  }

  private spread(from: Member, signal: FarEndSignal): void {
    if (from.options.muted || this.members.get(from.callSid) !== from) return;
    for (const to of this.members.values()) {
      if (to === from) continue;
      if (from.options.coaching !== null && from.options.coaching !== to.callSid) continue;
      to.media.feed(signal, from.callSid);
    }
  }

  /** The room's voice plays on every member's leg at once; it has finished when all have. */
  readonly voice: RoomMix['voice'] = {
    say: (text, options, signal) => this.everyone((media) => media.say(text, options, signal)),
    play: (url, signal) => this.everyone((media) => media.play(url, signal)),
    pause: (ms, signal) => this.clock.sleep(ms, signal),
    playDigits: (digits, signal) => this.everyone((media) => media.playDigits(digits, signal)),
  };

  private async everyone(play: (media: Media) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled([...this.members.values()].map((member) => play(member.media)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && results.every((r) => r.status === 'rejected')) throw failed.reason;
  }

  /**
   * A signal-level room carries no PCM to record: the file holds silence as long as the
   * recording ran, as a simulated phone's speech records as silence without a TTS engine.
   */
  startRecording(path: string): CallRecording {
    const startedAt = this.clock.now();
    let stopped: Promise<{ durationMs: number }> | null = null;
    return {
      stop: () =>
        (stopped ??= (async () => {
          const durationMs = Math.max(0, Math.round(this.clock.callTimeSince(startedAt)));
          await writeWav(path, durationMs * 8, () => {});
          return { durationMs };
        })()),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const member of this.members.values()) member.tap.close();
    this.members.clear();
  }
}

export const signalMixFactory = (clock: Clock): RoomMixFactory => () => new SignalMix(clock);
