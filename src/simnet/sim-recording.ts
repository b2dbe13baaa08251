import type { RecordResult } from '../ports/carrier.js';
import type { Clock, Timer } from '../ports/clock.js';
import type { Tts } from '../ports/tts.js';
import { WAV_SAMPLE_RATE, writeWav } from '../recordings/wav-file.js';
import { sayDurationMs, TONE_MS_PER_KEY } from './sim-timing.js';

/** The voice a simulated phone speaks with when a Tts renders it. */
const PHONE_VOICE = { voice: 'man', language: 'en-US' } as const;
/** DTMF row and column frequencies (ITU-T Q.23), in Hz. */
const DTMF: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

export interface SimRecordingLimits {
  /** 0: no limit (a whole-call recording). */
  maxLengthMs: number;
  /** 0: silence never ends it. */
  silenceTimeoutMs: number;
}

type EndReason = RecordResult['reason'];

/**
 * One recording on the simulated network: what the simulated phone sent, on the Clock's
 * timeline. The phone is silent unless it speaks or presses keys; speech is the Tts rendering
 * of its words when the network has a Tts (silence of the words' spoken length otherwise), and
 * keys are DTMF tones. Audio is placed where it was sent and written once, when the recording
 * ends, with exactly one sample per 1/8000 s of call time recorded.
 */
export class SimRecording {
  /** Wall-clock start; every other time here is call time (ms) since it, so time-scale holds. */
  private readonly startedAt: number;
  /** Audio sent by the phone, at ms offsets from the start. */
  private readonly parts: { atMs: number; pcm: Int16Array }[] = [];
  /** The words the phone said, where they start (ms from the start; negative over the beep). */
  private readonly words: { atMs: number; text: string }[] = [];
  private readonly renders = new Set<Promise<void>>();
  /** When the phone's current sound ends (it cannot say two things at once); -∞ before any. */
  private busyUntil = Number.NEGATIVE_INFINITY;
  private silenceTimer: Timer | null = null;
  private maxTimer: Timer | null = null;
  /** Call time at which the recording ended. */
  private endedAt: number | null = null;
  private written: Promise<number> | null = null;
  private readonly ended: Promise<EndReason>;
  private markEnded!: (reason: EndReason) => void;

  constructor(
    private readonly clock: Clock,
    private readonly tts: Tts | undefined,
    readonly path: string,
    private readonly limits: SimRecordingLimits,
  ) {
    this.startedAt = clock.now();
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    // Ends at the limit itself: a scaled timer may fire a call-time instant early or late.
    if (limits.maxLengthMs > 0) this.maxTimer = clock.setTimer(limits.maxLengthMs, () => this.end('max-length', limits.maxLengthMs));
    this.armSilence();
  }

  /** Resolves with why the recording ended (`end` was called or a limit was reached). */
  get done(): Promise<EndReason> {
    return this.ended;
  }

  /**
   * The phone says `text`, starting now or `startedMsAgo` before (words begun before the
   * recording did: only what falls after its start is written).
   */
  speak(text: string, startedMsAgo = 0): void {
    if (this.endedAt !== null) return;
    this.silenceTimer?.cancel();
    this.silenceTimer = null;
    const atMs = Math.max(this.elapsed() - startedMsAgo, this.busyUntil);
    this.words.push({ atMs, text });
    if (!this.tts) return this.sent(atMs, null, sayDurationMs(text));
    const render = this.tts.render(text, PHONE_VOICE).then(
      (pcm) => this.sent(atMs, pcm, (pcm.length * 1000) / WAV_SAMPLE_RATE),
      // A failed rendering leaves the words' length of silence: the phone still spoke.
      () => this.sent(atMs, null, sayDurationMs(text)),
    );
    this.renders.add(render);
    void render.finally(() => this.renders.delete(render));
  }

  /** The phone presses keys now: DTMF tones, one per key. */
  press(digits: string): void {
    if (this.endedAt !== null) return;
    const atMs = Math.max(this.elapsed(), this.busyUntil);
    const pcm = dtmf(digits);
    this.sent(atMs, pcm, (pcm.length * 1000) / WAV_SAMPLE_RATE);
  }

  /**
   * Ends the recording (idempotent; the first end wins), now or at the call time `atMs` when the
   * end was decided by the timeline itself (a timer fires a little after its instant).
   */
  end(reason: EndReason, atMs = this.elapsed()): void {
    if (this.endedAt !== null) return;
    const limit = this.limits.maxLengthMs > 0 ? this.limits.maxLengthMs : Infinity;
    this.endedAt = Math.min(atMs, limit);
    this.silenceTimer?.cancel();
    this.maxTimer?.cancel();
    this.markEnded(reason);
  }

  /** What the phone said that is (at least in part) in the recording, in order: its transcription. */
  spoken(): string[] {
    const end = this.endedAt ?? this.elapsed();
    return this.words.filter((w) => w.atMs < end).map((w) => w.text);
  }

  /** Writes the WAV once the recording has ended (renders still running are awaited); returns its length in ms. */
  write(): Promise<number> {
    if (this.endedAt === null) this.end('finished');
    return (this.written ??= this.writeFile());
  }

  private async writeFile(): Promise<number> {
    await Promise.allSettled([...this.renders]);
    const durationMs = this.endedAt!;
    const samples = Math.round((durationMs * WAV_SAMPLE_RATE) / 1000);
    const placed = this.parts.map((p) => ({ at: Math.round((p.atMs * WAV_SAMPLE_RATE) / 1000), pcm: p.pcm }));
    await writeWav(this.path, samples, (chunk, offset) => {
      for (const { at, pcm } of placed) {
        const from = Math.max(offset, at);
        const to = Math.min(offset + chunk.length, at + pcm.length);
        for (let i = from; i < to; i++) chunk[i - offset] = pcm[i - at];
      }
    });
    return durationMs;
  }

  private sent(atMs: number, pcm: Int16Array | null, ms: number): void {
    if (pcm !== null && pcm.length > 0) this.parts.push({ atMs, pcm });
    this.busyUntil = Math.max(this.busyUntil, atMs + ms);
    if (this.endedAt === null) this.armSilence();
  }

  private elapsed(): number {
    return this.clock.callTimeSince(this.startedAt);
  }

  /** The silence timeout counts from the end of the phone's last sound. */
  private armSilence(): void {
    this.silenceTimer?.cancel();
    this.silenceTimer = null;
    if (this.limits.silenceTimeoutMs <= 0) return;
    const at = Math.max(this.busyUntil, 0) + this.limits.silenceTimeoutMs;
    const delay = at - this.elapsed();
    this.silenceTimer = this.clock.setTimer(Math.max(0, delay), () => this.end('silence', at));
  }
}

/** DTMF tones for `digits`: each key sounds for most of its slot, then a short gap. */
function dtmf(digits: string): Int16Array {
  const slot = Math.round((TONE_MS_PER_KEY * WAV_SAMPLE_RATE) / 1000);
  const tone = Math.round(slot * 0.7);
  const pcm = new Int16Array(slot * digits.length);
  [...digits].forEach((key, k) => {
    const pair = DTMF[key];
    if (!pair) return;
    for (let i = 0; i < tone; i++) {
      const t = i / WAV_SAMPLE_RATE;
      pcm[k * slot + i] = Math.round(6000 * (Math.sin(2 * Math.PI * pair[0] * t) + Math.sin(2 * Math.PI * pair[1] * t)));
    }
  });
  return pcm;
}
