import { rm } from 'node:fs/promises';
import type { Media, RecordResult } from '../ports/carrier.js';
import type { ActiveRecording } from '../recordings/recordings.js';
import { mergeWavs, WAV_SAMPLE_RATE } from '../recordings/wav-file.js';
import type { DialVerb } from '../twiml/verbs.js';
import type { VerbContext } from './verb-context.js';

/** A bridge lasts at most `<Dial timeLimit>`: 24 h bounds any recording of it. */
const MAX_RECORDING_MS = 24 * 3600 * 1000;

/** One side's audio: what that leg's far end sent, from `startedAt` (call time of the caller's side). */
interface Side {
  path: string;
  offsetMs: number;
  done: Promise<RecordResult | null>;
}

/**
 * `<Dial record>` (dial.md §7): one Recording of the bridge, `source=DialVerb`, on the parent
 * call. Each leg records what its own far end sends (the caller on the parent, the called
 * party on the child) into a part file; when the dial ends the parts are merged: summed into
 * one channel, or for `…-dual` the caller in channel 1 and the called party in channel 2.
 * `record-from-ringing` starts the caller's side while the children ring, `record-from-answer`
 * at the bridge. The recording's status callbacks go through the durable outbox as usual.
 */
export class DialRecording {
  private active: Promise<ActiveRecording> | null = null;
  private startedAt = 0;
  private readonly stopSignal = new AbortController();
  private readonly sides: Side[] = [];
  private result: Promise<Record<string, string>> | null = null;

  private constructor(private readonly verb: DialVerb, private readonly ctx: VerbContext, private readonly channels: 1 | 2) {}

  static for(verb: DialVerb, ctx: VerbContext): DialRecording | null {
    if (verb.record === 'do-not-record') return null;
    return new DialRecording(verb, ctx, verb.record.endsWith('-dual') ? 2 : 1);
  }

  /** Starts the caller's side (once). */
  async startCaller(): Promise<void> {
    if (this.active) return;
    this.active = this.ctx.recordings.begin('DialVerb', {
      statusCallback: this.statusCallback(),
      statusCallbackMethod: this.verb.recordingStatusCallbackMethod,
      statusCallbackEvents: this.verb.recordingStatusCallbackEvents,
      // Trimming a two-channel file would cut one side's words with the other's silence.
      trim: this.verb.trim && this.channels === 1,
      channels: this.channels,
    });
    const active = await this.active;
    this.startedAt = this.ctx.clock.now();
    this.sides.push(this.side(this.ctx.media, `${active.path}.caller`));
  }

  /** Starts the called party's side, at the bridge. */
  async startCalled(media: Media): Promise<void> {
    const active = await this.active;
    if (!active || this.sides.length !== 1) return;
    this.sides.push(this.side(media, `${active.path}.called`));
  }

  /**
   * Stops both sides, merges them and finishes the Recording (idempotent). Resolves with the
   * `action` parameters about it (`RecordingUrl`, `RecordingSid`, `RecordingDuration`); none
   * when nothing was recorded (the dial never connected with `record-from-answer`).
   */
  stop(): Promise<Record<string, string>> {
    return (this.result ??= this.finish());
  }

  private async finish(): Promise<Record<string, string>> {
    const active = await this.active;
    if (!active) return {};
    this.stopSignal.abort();
    await Promise.all(this.sides.map((side) => side.done));
    await mergeWavs(
      active.path,
      this.sides.map((side, index) => ({
        path: side.path, offsetSamples: Math.round((side.offsetMs * WAV_SAMPLE_RATE) / 1000), channel: index === 0 ? 0 : 1,
      })),
      this.channels,
    );
    await Promise.all(this.sides.map((side) => rm(side.path, { force: true })));
    const recording = await this.ctx.recordings.finish(active);
    return { RecordingUrl: active.url, RecordingSid: recording.sid, RecordingDuration: String(recording.duration ?? 0) };
  }

  private side(media: Media, path: string): Side {
    const offsetMs = this.ctx.clock.callTimeSince(this.startedAt);
    const request = { path, maxLengthMs: MAX_RECORDING_MS, silenceTimeoutMs: 0, stop: this.stopSignal.signal, beep: false };
    // Not tied to the call's signal: the parts must be complete files even when the call ends.
    const done = media.record(request, new AbortController().signal).catch((error: Error) => {
      this.ctx.warn(12400, `<Dial record>: one side of the call could not be recorded: ${error.message}`);
      return null;
    });
    return { path, offsetMs, done };
  }

  private statusCallback(): string | null {
    if (this.verb.recordingStatusCallback === null) return null;
    const url = this.ctx.resolveUrl(this.verb.recordingStatusCallback);
    if (url === null) this.ctx.warn(13256, `<Dial> recordingStatusCallback "${this.verb.recordingStatusCallback}" is not a valid URL; no recording status callbacks`);
    return url;
  }
}
