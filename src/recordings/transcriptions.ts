import type { CallRecord, NotificationRecord } from '../domain/call.js';
import { accountPath } from '../domain/api-paths.js';
import type { RecordingRecord } from '../domain/recording.js';
import { newSid } from '../domain/sid.js';
import { transcribable, type TranscriptionRecord } from '../domain/transcription.js';
import type { Clock } from '../ports/clock.js';
import type { Recognizer } from '../ports/recognizer.js';
import type { NewCallback, Store } from '../ports/store.js';
import type { TranscriptionStore } from '../ports/transcription-store.js';
import { WAV_SAMPLE_RATE, wavSamples } from './wav-file.js';

export interface TranscriptionsDeps {
  store: Store & TranscriptionStore;
  clock: Clock;
  outbox: { kick(): void };
  recognizer: Recognizer;
  /** The server's base URL, for `TranscriptionUrl` and `RecordingUrl`. */
  publicUrl(): string;
  /** The standard voice webhook parameters of a call (webhooks.md §1). */
  callParams(call: CallRecord): Record<string, string>;
}

export interface TranscribeRequest {
  /** The recording's WAV (already trimmed). */
  path: string;
  /** Absolute `transcribeCallback`, or null. */
  callbackUrl: string | null;
  /** What the far end is known to have said (simulated phones). */
  spoken?: string[];
}

/** Whether a transcription was started; `seconds` is the recording's exact length. */
export type TranscribeOutcome = { started: true; sid: string } | { started: false; seconds: number };

/**
 * `<Record transcribe>` (transcriptions.md): creates the Transcription `in-progress`, runs the
 * Recognizer in the background (the call never waits), then saves it `completed` or `failed`
 * together with its transcribe callback in the durable outbox. A failure also leaves a 12400
 * warning Notification on the call: a transcription never fails silently.
 */
export class Transcriptions {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(private readonly deps: TranscriptionsDeps) {}

  async start(call: CallRecord, recording: RecordingRecord, request: TranscribeRequest): Promise<TranscribeOutcome> {
    const seconds = (await wavSamples(request.path).catch(() => 0)) / WAV_SAMPLE_RATE;
    if (!transcribable(seconds)) return { started: false, seconds };
    const now = this.deps.clock.now();
    const transcription: TranscriptionRecord = {
      sid: newSid('TR'), accountSid: recording.accountSid, recordingSid: recording.sid, callSid: recording.callSid,
      status: 'in-progress', text: null, duration: recording.duration ?? Math.round(seconds), dateCreated: now, dateUpdated: now,
    };
    await this.deps.store.saveTranscription(transcription);
    const controller = new AbortController();
    const done = this.run(call, transcription, request, controller.signal).finally(() => this.running.delete(transcription.sid));
    this.running.set(transcription.sid, { controller, done });
    return { started: true, sid: transcription.sid };
  }

  /** Stops the recognitions still running (shutdown); they stay `in-progress` until `closeUnfinished`. */
  async stop(): Promise<void> {
    const jobs = [...this.running.values()];
    for (const job of jobs) job.controller.abort(new Error('Switchboard is stopping'));
    await Promise.allSettled(jobs.map((job) => job.done));
  }

  /**
   * Ends transcriptions an earlier stop left `in-progress` as `failed`: their recognizer run and
   * callback settings lived only in that process. Returns how many.
   */
  async closeUnfinished(): Promise<number> {
    const unfinished = await this.deps.store.listUnfinishedTranscriptions();
    for (const t of unfinished) await this.deps.store.saveTranscription({ ...t, status: 'failed', dateUpdated: this.deps.clock.now() });
    return unfinished.length;
  }

  /** `TranscriptionUrl`: the recording-scoped resource (transcriptions.md §2). */
  url(t: Pick<TranscriptionRecord, 'accountSid' | 'recordingSid' | 'sid'>): string {
    return `${this.deps.publicUrl()}${accountPath(t.accountSid)}/Recordings/${t.recordingSid}/Transcriptions/${t.sid}`;
  }

  private async run(call: CallRecord, transcription: TranscriptionRecord, request: TranscribeRequest, signal: AbortSignal): Promise<void> {
    let finished: TranscriptionRecord;
    let failure: string | null = null;
    try {
      const text = await this.deps.recognizer.recognize({ path: request.path, spoken: request.spoken }, signal);
      finished = { ...transcription, status: 'completed', text, dateUpdated: this.deps.clock.now() };
    } catch (error) {
      if (signal.aborted) return;
      failure = error instanceof Error ? error.message : String(error);
      finished = { ...transcription, status: 'failed', text: null, dateUpdated: this.deps.clock.now() };
    }
    const callbacks: NewCallback[] = [];
    if (request.callbackUrl) {
      // The call as it is now (often completed by then); CallStatus says so (transcriptions.md §2).
      const current = (await this.deps.store.getCall(call.accountSid, call.sid)) ?? call;
      callbacks.push({
        callSid: call.sid, accountSid: call.accountSid,
        // After the recording's own status callbacks (0 and 1), among the call's.
        sequenceNumber: 2,
        url: request.callbackUrl, method: 'POST', params: this.callbackParams(current, finished),
      });
    }
    // The warning goes in first: whoever sees `failed` also finds why.
    if (failure !== null) await this.deps.store.insertNotification(this.failedNotification(finished, failure));
    await this.deps.store.saveTranscription(finished, callbacks);
    if (callbacks.length > 0) this.deps.outbox.kick();
  }

  private callbackParams(call: CallRecord, t: TranscriptionRecord): Record<string, string> {
    const params: Record<string, string> = {
      ...this.deps.callParams(call),
      TranscriptionSid: t.sid,
      TranscriptionStatus: t.status,
      TranscriptionUrl: this.url(t),
      TranscriptionType: 'fast',
      RecordingSid: t.recordingSid,
      RecordingUrl: `${this.deps.publicUrl()}${accountPath(t.accountSid)}/Recordings/${t.recordingSid}`,
    };
    if (t.status === 'completed') params.TranscriptionText = t.text ?? '';
    return params;
  }

  private failedNotification(t: TranscriptionRecord, reason: string): NotificationRecord {
    const now = this.deps.clock.now();
    return {
      sid: newSid('NO'), accountSid: t.accountSid, callSid: t.callSid, log: 1, errorCode: 12400,
      messageText: `Transcription ${t.sid} of recording ${t.recordingSid} failed: ${reason}`,
      messageDate: now, requestMethod: null, requestUrl: null, requestVariables: null, responseBody: null, responseHeaders: null,
      dateCreated: now,
    };
  }
}
