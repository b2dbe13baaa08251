import { beep } from '../audio/tones.js';
import type { ErrorCode } from '../domain/errors.js';
import type { CallRecording, FarEndSignal, Media, MediaJoin, RecordRequest, RecordResult, SayOptions } from '../ports/carrier.js';
import type { Clock } from '../ports/clock.js';
import type { Tts } from '../ports/tts.js';
import type { RecordingResult, RtpStream } from './rtp/media-engine.js';
import { SipJoins, type JoinHost } from './sip-joins.js';

/** Loads `<Play>` audio as 8 kHz PCM (the AudioLoader in src/audio). */
export interface AudioSource {
  load(url: string, signal: AbortSignal): Promise<Int16Array>;
}

/** What a SipMedia needs from its leg. */
export interface SipMediaHost extends JoinHost {
  readonly clock: Clock;
  readonly tts: Tts;
  readonly audio: AudioSource;
  /**
   * Resolves with the call's RTP stream once the call is answered; rejects when it never will
   * be (ended, or not answered yet: `allowEarly` lets a Pause wait before the answer).
   */
  answeredStream(allowEarly: boolean): Promise<RtpStream | undefined>;
  /** Whether a verb listens for the caller's keys. */
  listenForTones(on: boolean): void;
  /** A warning Notification on the call (the Media port has no other way to report one). */
  notice(code: ErrorCode, message: string): void;
  /** Registers `reject` to be called when the call ends; returns the unregister function. */
  onEnd(reject: (error: Error) => void): () => void;
}

/** Twilio's record beep: 500 ms of 1 kHz (twiml-voice.md <Record playBeep>). */
const BEEP = beep();

const RECORD_END: Record<RecordingResult['reason'], RecordResult['reason']> = {
  stopped: 'finished', silence: 'silence', 'max-length': 'max-length', closed: 'hangup',
};

/**
 * Carrier problems (no speech, unusable SDP, no RTP, a dead media worker) are Twilio's
 * "internal failure" warning, with a message that says what happened (docs/errors.md).
 */
export const CARRIER_NOTICE = 12400;

/**
 * The Media port on a real call: `<Say>` is espeak-ng audio, `<Play>` a fetched file, both
 * rendered off the media loop and sent by the RTP stream; a redirect or hangup aborts the
 * stream's play, which goes back to silence within one frame (call-lifecycle.md §4).
 */
export class SipMedia implements Media {
  /** The call ended while a render was in flight: its failure is the end, not a TTS problem. */
  private ended = false;
  private readonly joins: SipJoins;

  constructor(private readonly host: SipMediaHost) {
    this.joins = new SipJoins(host);
  }

  /** A native RTP link when `other` is a SIP leg answered on the same media worker; else null. */
  join(other: Media): MediaJoin | null {
    return other instanceof SipMedia ? this.joins.join(other.joins) : null;
  }

  /** The answered leg's RTP stream right now (a conference mix seats it), or undefined. */
  mixStream(): RtpStream | undefined {
    return this.host.currentStream();
  }

  /** The RTP stream once the leg is answered; rejects when it never will be. */
  answered(): Promise<RtpStream | undefined> {
    return this.host.answeredStream(true).then((stream) => stream ?? this.host.currentStream());
  }

  tap(sink: (signal: FarEndSignal) => void): MediaJoin {
    return this.joins.tap(sink);
  }

  feed(signal: FarEndSignal): void {
    this.joins.feed(signal);
  }

  ringback(tone: string | null): MediaJoin {
    return this.joins.ringback(tone);
  }

  /** What the far end sent (keys, tapped audio), from the leg's stream. */
  heard(signal: FarEndSignal): void {
    this.joins.heard(signal);
  }

  async say(text: string, options: SayOptions, signal: AbortSignal): Promise<void> {
    const stream = await this.live(signal);
    let pcm: Int16Array;
    try {
      pcm = await this.untilEnd(this.host.tts.render(text, options, signal), signal);
    } catch (error) {
      if (signal.aborted || this.ended) throw error;
      // A missing espeak-ng must not end the call: the app sees a warning, the caller silence.
      this.host.notice(CARRIER_NOTICE, `Say: could not render speech: ${(error as Error).message}`);
      return;
    }
    await stream.play(pcm, signal);
  }

  /**
   * The loader caches decoded audio by URL, so a `<Play loop>` fetches once (unless `no-store`).
   * A load failure rejects; runPlay turns it into its warning and goes on.
   */
  async play(url: string, signal: AbortSignal): Promise<void> {
    const stream = await this.live(signal);
    await stream.play(await this.untilEnd(this.host.audio.load(url, signal), signal), signal);
  }

  async playDigits(digits: string, signal: AbortSignal): Promise<void> {
    const stream = await this.live(signal);
    await stream.playDigits(digits, signal);
  }

  async pause(ms: number, signal: AbortSignal): Promise<void> {
    // A Pause before the answer delays answering an inbound call (twiml-voice.md <Pause>); the
    // stream keeps sending silence by itself, so a pause is only a wait.
    if (signal.aborted) throw signal.reason;
    await this.host.answeredStream(true);
    await this.untilEnd(this.host.clock.sleep(ms, signal), signal);
  }

  /**
   * `<Record>`: what the phone sends, to a WAV file, until a finishOnKey (`request.stop`), the
   * silence timeout, the maximum length, or the end of the call. A redirect (`signal`) stops
   * it too, keeping what was written, and rejects with the signal's reason.
   */
  async record(request: RecordRequest, signal: AbortSignal): Promise<RecordResult> {
    const stream = await this.live(signal);
    if (request.beep) await stream.play(BEEP, signal);
    const recording = stream.record(request.path, {
      mix: 'received',
      silenceTimeoutMs: request.silenceTimeoutMs || undefined,
      maxLengthMs: request.maxLengthMs,
    });
    const stop = () => void recording.stop();
    request.stop.addEventListener('abort', stop, { once: true });
    signal.addEventListener('abort', stop, { once: true });
    if (request.stop.aborted || signal.aborted) stop();
    try {
      const result = await recording.done;
      if (signal.aborted) throw signal.reason;
      return { durationMs: result.durationMs, reason: RECORD_END[result.reason] };
    } finally {
      request.stop.removeEventListener('abort', stop);
      signal.removeEventListener('abort', stop);
    }
  }

  /** `Record=true`: both directions mixed, from the answer until `stop()` or the end of the call. */
  startCallRecording(path: string): CallRecording {
    const started = this.host.answeredStream(false).then((stream) => stream!.record(path, { mix: 'both' }));
    started.catch(() => undefined); // a call that ends first has nothing to stop: stop() resolves 0
    let stopped: Promise<{ durationMs: number }> | undefined;
    return {
      stop: () =>
        (stopped ??= started.then(
          async (recording) => ({ durationMs: (await recording.stop()).durationMs }),
          () => ({ durationMs: 0 }),
        )),
    };
  }

  listening(on: boolean): void {
    this.host.listenForTones(on);
  }

  /** The answered call's RTP stream; rejects before the answer, after the end, or once aborted. */
  private async live(signal: AbortSignal): Promise<RtpStream> {
    if (signal.aborted) throw signal.reason;
    const stream = await this.host.answeredStream(false);
    if (signal.aborted) throw signal.reason;
    return stream!;
  }

  /**
   * `work`, or a rejection as soon as the call ends (the stream rejects its own plays). Once the
   * signal aborted, the rejection is always its reason (the port's promise), whatever `work`
   * rejected with (a fetch's own AbortError, a killed child).
   */
  private untilEnd<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (error: unknown) => reject(signal.aborted ? signal.reason : error);
      const off = this.host.onEnd((error) => {
        this.ended = true;
        fail(error);
      });
      work.then(resolve, fail).finally(off);
      if (signal.aborted) fail(signal.reason);
    });
  }
}
