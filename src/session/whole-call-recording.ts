import type { RecordingSettings } from '../domain/recording.js';
import type { CallRecording, Media } from '../ports/carrier.js';
import type { ActiveRecording, CallRecordings } from '../recordings/recordings.js';

/**
 * `Record=true` on `POST /Calls` (calls-api.md §3): the whole call is recorded from answer to
 * end, both directions mixed, as one `OutboundAPI` recording.
 */
export class WholeCallRecording {
  private stopped: Promise<Record<string, string>> | null = null;

  private constructor(
    private readonly recordings: CallRecordings,
    private readonly active: ActiveRecording,
    private readonly audio: CallRecording,
  ) {}

  static async start(recordings: CallRecordings, media: Media, settings: RecordingSettings): Promise<WholeCallRecording> {
    const active = await recordings.begin('OutboundAPI', settings);
    return new WholeCallRecording(recordings, active, media.startCallRecording(active.path));
  }

  /**
   * Stops the audio and finishes the recording (idempotent). Resolves with the parameters the
   * call's `completed` status callback carries about it: `RecordingUrl`, `RecordingSid`,
   * `RecordingDuration` (webhooks.md §2).
   */
  stop(): Promise<Record<string, string>> {
    return (this.stopped ??= (async () => {
      try {
        await this.audio.stop();
      } catch {
        // The audio could not be finished cleanly (a media worker died, a disk error): what was
        // written is on disk, and the recording must still leave in-progress.
      }
      const recording = await this.recordings.finish(this.active);
      return { RecordingUrl: this.active.url, RecordingSid: recording.sid, RecordingDuration: String(recording.duration ?? 0) };
    })());
  }
}
