import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallRecord } from '../domain/call.js';
import { rfc2822 } from '../domain/dates.js';
import type { RecordingEvent, RecordingRecord, RecordingSettings, RecordingSource } from '../domain/recording.js';
import { isSid, newSid } from '../domain/sid.js';
import type { Clock } from '../ports/clock.js';
import type { NewCallback, Store } from '../ports/store.js';
import { ffmpegTranscoder, type TranscodedFormat, type Transcoder } from './transcoder.js';
import { repairWavHeader, trimSilence, WAV_SAMPLE_RATE, wavSamples } from './wav-file.js';
import { accountPath } from '../domain/api-paths.js';
import type { TranscribeOutcome, TranscribeRequest, Transcriptions } from './transcriptions.js';

export interface RecordingsDeps {
  store: Store;
  clock: Clock;
  /** Told when recording status callbacks were queued. */
  outbox: { kick(): void };
  /** Recording files live at `<root>/<AccountSid>/<RecordingSid>.wav`. */
  root: string;
  /** The server's base URL (`http://host:port`), for `RecordingUrl`; known once it listens. */
  publicUrl(): string;
  /** Makes the MP3 of a recording; ffmpeg on PATH by default. */
  transcoder?: Transcoder;
  /** Transcribes `<Record transcribe>` recordings; without it none is transcribed (13617 aside, nothing is started). */
  transcriptions?: Transcriptions;
}

/**
 * A recording's audio, ready to send: the WAV file as stored (`audio/x-wav`, what Twilio
 * serves at `RecordingUrl`), streamed, or a transcoded copy (`audio/mpeg`) in memory.
 */
export type RecordingMedia =
  | { contentType: 'audio/x-wav'; length: number; body: ReadStream }
  | { contentType: 'audio/mpeg'; length: number; body: Buffer };

/** A recording whose audio is being written to `path`. */
export interface ActiveRecording {
  readonly recording: RecordingRecord;
  readonly settings: RecordingSettings;
  readonly path: string;
  /** `RecordingUrl`: the media URL without an extension, as Twilio sends it. */
  readonly url: string;
}

/** Recordings as one call sees them: what `<Record>` and `Record=true` use. */
export interface CallRecordings {
  begin(source: RecordingSource, settings: RecordingSettings): Promise<ActiveRecording>;
  /** Trims, measures and saves the finished audio; `absent` when nothing was left. */
  finish(active: ActiveRecording): Promise<RecordingRecord>;
  /** Starts transcribing a finished recording in the background (`<Record transcribe>`). */
  transcribe(active: ActiveRecording, recording: RecordingRecord, request: Omit<TranscribeRequest, 'path'>): Promise<TranscribeOutcome>;
}

/**
 * The Recordings of every call (Twilio's Recording resource): creates them as audio starts,
 * finishes them (trim, duration, status), sends their `RecordingStatusCallback` through the
 * durable outbox, and removes them with their file.
 */
export class Recordings {
  constructor(private readonly deps: RecordingsDeps) {}

  /** The recordings of `call`, read through `call()` so status callbacks see the call as it is. */
  forCall(call: () => CallRecord): CallRecordings {
    return {
      begin: (source, settings) => this.begin(call(), source, settings),
      finish: (active) => this.finish(active),
      transcribe: async (active, recording, request) => {
        const transcriptions = this.deps.transcriptions;
        if (!transcriptions) throw new Error('Recordings: no Transcriptions configured');
        return transcriptions.start(call(), recording, { ...request, path: active.path });
      },
    };
  }

  /** Where the audio of a recording lives; null for a SID that is not a recording SID. */
  path(accountSid: string, sid: string): string | null {
    if (!isSid('AC', accountSid) || !isSid('RE', sid)) return null;
    return join(this.deps.root, accountSid, `${sid}.wav`);
  }

  /**
   * The audio of a finished recording as `format`; null while it is in progress or when its
   * file is gone. Rejects when transcoding fails (ffmpeg missing or failing).
   */
  async media(recording: RecordingRecord, format: 'wav' | TranscodedFormat): Promise<RecordingMedia | null> {
    const path = this.path(recording.accountSid, recording.sid);
    if (!path || recording.status === 'in-progress') return null;
    const size = await stat(path).then((s) => s.size, () => null);
    if (size === null) return null;
    if (format === 'wav') return { contentType: 'audio/x-wav', length: size, body: createReadStream(path) };
    const mp3 = await (this.deps.transcoder ?? ffmpegTranscoder())(path, format);
    return { contentType: 'audio/mpeg', length: mp3.length, body: mp3 };
  }

  /** `RecordingUrl` and `media_url`: absolute, without an extension (the media is WAV). */
  mediaUrl(recording: Pick<RecordingRecord, 'accountSid' | 'sid'>): string {
    return `${this.deps.publicUrl()}${accountPath(recording.accountSid)}/Recordings/${recording.sid}`;
  }

  /**
   * The recording of a conference's mixed room (`<Conference record="record-from-start">`):
   * mono, `RecordingSource=Conference`, listed under the conference (conferences.md §5).
   */
  beginConference(conference: { sid: string; accountSid: string }, settings: Omit<RecordingSettings, 'channels'>): Promise<ActiveRecording> {
    return this.begin({ sid: conference.sid, accountSid: conference.accountSid }, 'Conference', { ...settings, channels: 1 }, conference.sid);
  }

  /** Creates the Recording (`in-progress`) and makes room for its file. */
  async begin(call: Pick<CallRecord, 'sid' | 'accountSid'>, source: RecordingSource, settings: RecordingSettings, conferenceSid?: string): Promise<ActiveRecording> {
    const now = this.deps.clock.now();
    const recording: RecordingRecord = {
      sid: newSid('RE'), accountSid: call.accountSid, callSid: call.sid, status: 'in-progress', source,
      channels: settings.channels, startTime: now, duration: null, errorCode: null, dateCreated: now, dateUpdated: now,
      ...(conferenceSid && { conferenceSid }),
    };
    const path = this.path(recording.accountSid, recording.sid)!;
    await mkdir(join(this.deps.root, recording.accountSid), { recursive: true });
    const active: ActiveRecording = { recording, settings, path, url: this.mediaUrl(recording) };
    await this.save(active, recording, 'in-progress');
    return active;
  }

  /**
   * Ends a recording once its file is complete: trims silence when asked, measures it, and
   * saves it `completed`, or `absent` when no audio is left (a silent caller, or no file).
   */
  async finish(active: ActiveRecording): Promise<RecordingRecord> {
    let samples = 0;
    try {
      samples = active.settings.trim ? await trimSilence(active.path) : await wavSamples(active.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const seconds = samples / WAV_SAMPLE_RATE;
    const finished: RecordingRecord = {
      ...active.recording,
      status: samples > 0 ? 'completed' : 'absent',
      // Whole seconds, as Twilio reports them; any audio at all counts as at least one.
      duration: samples > 0 ? Math.max(1, Math.round(seconds)) : 0,
      dateUpdated: this.deps.clock.now(),
    };
    await this.save(active, finished, finished.status);
    return finished;
  }

  /**
   * Closes recordings a crash left `in-progress` (design.md: nothing is lost): the audio written
   * until then is kept, its header made whole, and the recording saved `completed` (or `absent`
   * when nothing was written). Their status callbacks cannot be sent: the callback settings
   * lived only in the interrupted call. Returns how many were closed.
   */
  async closeUnfinished(): Promise<number> {
    const unfinished = await this.deps.store.listUnfinishedRecordings();
    for (const recording of unfinished) {
      const path = this.path(recording.accountSid, recording.sid)!;
      let samples = 0;
      try {
        samples = await repairWavHeader(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      await this.deps.store.saveRecording({
        ...recording,
        status: samples > 0 ? 'completed' : 'absent',
        duration: samples > 0 ? Math.max(1, Math.round(samples / WAV_SAMPLE_RATE)) : 0,
        dateUpdated: this.deps.clock.now(),
      });
    }
    return unfinished.length;
  }

  get(accountSid: string, sid: string): Promise<RecordingRecord | null> {
    return this.deps.store.getRecording(accountSid, sid);
  }

  /** Deletes the resource and its audio. False when there was no such recording. */
  async remove(accountSid: string, sid: string): Promise<boolean> {
    const path = this.path(accountSid, sid);
    if (!path || !(await this.deps.store.deleteRecording(accountSid, sid))) return false;
    await rm(path, { force: true });
    return true;
  }

  /** Saves the recording and, in the same write, its status callback for `event` if asked for. */
  private async save(active: ActiveRecording, recording: RecordingRecord, event: RecordingEvent): Promise<void> {
    const { statusCallback, statusCallbackMethod, statusCallbackEvents } = active.settings;
    const callbacks: NewCallback[] = [];
    if (statusCallback && statusCallbackEvents.includes(event)) {
      callbacks.push({
        callSid: recording.callSid, accountSid: recording.accountSid,
        // The outbox sends a call's callbacks in SequenceNumber order; a recording's own events
        // are ordered among themselves (in-progress before its end), not against the call's.
        sequenceNumber: event === 'in-progress' ? 0 : 1,
        url: statusCallback, method: statusCallbackMethod, params: this.callbackParams(recording, active.url),
      });
    }
    await this.deps.store.saveRecording(recording, callbacks);
    if (callbacks.length > 0) this.deps.outbox.kick();
  }

  /** `RecordingStatusCallback` parameters (webhooks.md §2). */
  private callbackParams(recording: RecordingRecord, url: string): Record<string, string> {
    const params: Record<string, string> = {
      AccountSid: recording.accountSid,
      ...(recording.conferenceSid ? { ConferenceSid: recording.conferenceSid } : { CallSid: recording.callSid }),
      RecordingSid: recording.sid,
      RecordingUrl: url,
      RecordingStatus: recording.status,
      RecordingChannels: String(recording.channels),
      RecordingSource: recording.source,
      RecordingStartTime: rfc2822(recording.startTime),
      ErrorCode: String(recording.errorCode ?? 0),
    };
    if (!recording.conferenceSid) params.RecordingTrack = recording.source === 'RecordVerb' ? 'inbound' : 'both';
    if (recording.duration !== null) params.RecordingDuration = String(recording.duration);
    return params;
  }
}
