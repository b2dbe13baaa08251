import type { CallRecording, Media, MediaJoin, RecordRequest, RecordResult, SayOptions } from '../ports/carrier.js';
import type { Timer } from '../ports/clock.js';
import { writeWav } from '../recordings/wav-file.js';
import type { HeardEntry, SimCall } from './sim-call.js';
import { SimRecording } from './sim-recording.js';

/**
 * Simulated speaking rate: about 65 ms per character (roughly 150 words a minute, the pace of
 * Twilio's voices), never under 400 ms, so even "Hi" takes a noticeable moment.
 */
export const SAY_MS_PER_CHAR = 65;
/** Shortest simulated `<Say>`, in ms. */
export const SAY_MIN_MS = 400;
/** One DTMF key: tone plus inter-digit gap, as `sendDigits`/`<Play digits>` send them. */
export const TONE_MS_PER_KEY = 100;
/** `w` waits half a second and `W` a whole second (twiml-voice.md, `<Play digits>`). */
export const WAIT_MS = { w: 500, W: 1000 } as const;

/** `<Record playBeep>`: half a second of 1 kHz before recording starts. */
export const BEEP_MS = 500;

/** Simulated duration of `<Say>` text, in call-time ms. */
export function sayDurationMs(text: string): number {
  return Math.max(SAY_MIN_MS, SAY_MS_PER_CHAR * text.length);
}

const DIGITS = /^[0-9*#A-DwW]*$/;
const RUNS = /[0-9*#A-D]+|[wW]+/g;

/**
 * The Media port of a simulated call. Nothing is synthesised: each method logs what the far
 * end heard when the audio starts (so a redirect mid-Say still shows the Say), then lasts the
 * audio's length on the Clock. Abort rejects at once with `signal.reason` and cancels the
 * timer; the call ending rejects whatever is playing.
 */
export class SimMedia implements Media {
  /** Waits in flight; created on first use so an idle call carries no Set. */
  private pending: Set<MediaWait> | undefined;
  /** The last audio measured: `<Play loop>` repeats one URL, which is fetched once. */
  private lastAudio: { url: string; ms: number } | undefined;
  /** Recordings running on this call: they hear what the phone sends. */
  private recordings: Set<SimRecording> | undefined;

  constructor(private readonly call: SimCall) {}

  // Media joins are being built (issue 7); until then a bridge cannot start on this leg.
  join(): MediaJoin | null { throw new Error('media joins are not built yet'); }
  tap(): MediaJoin { throw new Error('media joins are not built yet'); }
  feed(): void { throw new Error('media joins are not built yet'); }
  ringback(): MediaJoin { throw new Error('media joins are not built yet'); }

  async say(text: string, _options: SayOptions, signal: AbortSignal): Promise<void> {
    this.assertLive(signal);
    const ms = sayDurationMs(text);
    this.hear('say', ms, text);
    await this.wait(ms, signal);
  }

  async play(url: string, signal: AbortSignal): Promise<void> {
    this.assertLive(signal);
    let ms = this.lastAudio?.url === url ? this.lastAudio.ms : undefined;
    if (ms === undefined) {
      try {
        ({ ms } = await this.call.host.fetchAudio(url, signal));
      } catch (err) {
        // A fetch may reject with its own AbortError; the port promises the signal's reason.
        if (signal.aborted) throw signal.reason;
        throw err;
      }
      this.lastAudio = { url, ms };
      this.assertLive(signal); // the call may have ended while the file was fetched
    }
    this.hear('play', ms, undefined, url);
    await this.wait(ms, signal);
  }

  async playDigits(digits: string, signal: AbortSignal): Promise<void> {
    if (!DIGITS.test(digits)) throw new RangeError(`Invalid DTMF digits "${digits}": use 0-9 * # A-D w W`);
    this.assertLive(signal);
    // One entry per run of keys or of waits, each logged as it starts.
    for (const [run] of digits.matchAll(RUNS)) {
      this.assertLive(signal);
      if (run[0] === 'w' || run[0] === 'W') {
        let ms = 0;
        for (const c of run) ms += WAIT_MS[c as 'w' | 'W'];
        this.hear('silence', ms);
        await this.wait(ms, signal);
      } else {
        const ms = TONE_MS_PER_KEY * run.length;
        this.hear('tone', ms, run);
        await this.wait(ms, signal);
      }
    }
  }

  async pause(ms: number, signal: AbortSignal): Promise<void> {
    // A Pause may come before answer (it delays answering an inbound call, twiml-voice.md
    // <Pause>): the caller hears ringing then, not silence, so it is waited but not logged.
    this.assertLive(signal, true);
    if (this.call.state === 'answered') this.hear('pause', ms);
    await this.wait(ms, signal);
  }

  /** Simulated keys arrive as events, not tones: there is nothing to detect. */
  listening(): void {}

  async record(request: RecordRequest, signal: AbortSignal): Promise<RecordResult> {
    this.assertLive(signal);
    if (request.beep) {
      this.hear('beep', BEEP_MS);
      try {
        await this.wait(BEEP_MS, signal);
      } catch (error) {
        // Stopped before a sound was recorded: the file is still complete, and empty.
        await writeWav(request.path, 0, () => {});
        throw error;
      }
    }
    const recording = new SimRecording(this.call.host.clock, this.call.host.tts, request.path, request);
    // A finishOnKey and a redirect both end the recording here; the verb tells them apart.
    const stop = () => recording.end('finished');
    request.stop.addEventListener('abort', stop, { once: true });
    signal.addEventListener('abort', stop, { once: true });
    if (request.stop.aborted || signal.aborted) stop();
    (this.recordings ??= new Set()).add(recording);
    try {
      const reason = await recording.done;
      const durationMs = await recording.write();
      if (signal.aborted) throw signal.reason;
      return { durationMs, reason };
    } finally {
      this.recordings?.delete(recording);
      request.stop.removeEventListener('abort', stop);
      signal.removeEventListener('abort', stop);
    }
  }

  startCallRecording(path: string): CallRecording {
    const recording = new SimRecording(this.call.host.clock, this.call.host.tts, path, { maxLengthMs: 0, silenceTimeoutMs: 0 });
    if (this.call.state === 'ended') recording.end('hangup');
    else (this.recordings ??= new Set()).add(recording);
    return {
      stop: async () => {
        this.recordings?.delete(recording);
        recording.end('finished');
        return { durationMs: await recording.write() };
      },
    };
  }

  /** The phone said `text`: recordings running now hear it. */
  farEndSpoke(text: string): void {
    for (const recording of this.recordings ?? []) recording.speak(text);
  }

  /** The phone pressed keys: recordings running now hear the tones. */
  farEndPressed(digits: string): void {
    for (const recording of this.recordings ?? []) recording.press(digits);
  }

  /** Rejects everything in flight; called once by the call as it ends. */
  close(): void {
    for (const recording of this.recordings ?? []) recording.end('hangup');
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    const error = new Error(`Call ${this.call.callSid} has ended`);
    for (const wait of pending) wait.settle(error);
  }

  private assertLive(signal: AbortSignal, ringingIsFine = false): void {
    if (signal.aborted) throw signal.reason;
    const state = this.call.state;
    if (state === 'ended') throw new Error(`Call ${this.call.callSid} has ended`);
    if (state !== 'answered' && !ringingIsFine) throw new Error(`Call ${this.call.callSid} is not answered`);
  }

  private hear(kind: HeardEntry['kind'], ms: number, text?: string, url?: string): void {
    this.call.log.add(this.call.host.clock.now(), kind, ms, text, url);
  }

  private wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const wait = new MediaWait(signal, resolve, reject, (w) => this.pending?.delete(w));
      (this.pending ??= new Set()).add(wait);
      wait.timer = this.call.host.clock.setTimer(ms, () => wait.settle());
      signal.addEventListener('abort', wait, { once: true });
    });
  }
}

/**
 * One timed piece of audio. It is its own abort listener (`handleEvent`), and settles exactly
 * once however it ends: timer, abort, or the call ending.
 */
class MediaWait {
  timer: Timer | undefined;
  private done = false;

  constructor(
    private readonly signal: AbortSignal,
    private readonly resolve: () => void,
    private readonly reject: (reason: unknown) => void,
    private readonly forget: (wait: MediaWait) => void,
  ) {}

  /** Abort listener. */
  handleEvent(): void {
    this.settle(this.signal.reason, true);
  }

  settle(error?: unknown, failed = error !== undefined): void {
    if (this.done) return;
    this.done = true;
    this.timer?.cancel();
    this.signal.removeEventListener('abort', this);
    this.forget(this);
    if (failed) this.reject(error);
    else this.resolve();
  }
}
