import type { CallRecording, FarEndSignal, Media, MediaJoin, RecordRequest, RecordResult, SayOptions } from '../ports/carrier.js';
import type { Clock, Timer } from '../ports/clock.js';
import { canLegTransition, InvalidLegTransition, legIsUp, type LegLifecycle } from '../ports/leg-state.js';
import type { Tts } from '../ports/tts.js';
import { writeWav } from '../recordings/wav-file.js';
import type { CallLog, HeardKind } from './call-log.js';
import { SimRecording } from './sim-recording.js';
import { BEEP_MS, sayDurationMs, TONE_MS_PER_KEY, WAIT_MS } from './sim-timing.js';

/** Length of audio, as SimNetwork's `fetchAudio` option reports it. */
export type FetchAudio = (url: string, signal: AbortSignal) => Promise<{ ms: number }>;

/** The network side media needs: one object shared by every call. */
export interface SimMediaNetwork {
  readonly clock: Clock;
  /** Renders what the phone says into recordings; without one, its speech records as silence. */
  readonly tts?: Tts;
  readonly fetchAudio: FetchAudio;
}

/** The leg a SimMedia plays to, as media sees it (a SimCall). */
export interface SimMediaLeg {
  readonly callSid: string;
  readonly log: CallLog;
  /** Media checks the leg's state; a join moves it between `answered` and `bridged`. */
  readonly lifecycle: LegLifecycle;
  readonly network: SimMediaNetwork;
}

/** `FarEndSignal` audio is 8 kHz PCM (ports/carrier.ts). */
const SAMPLES_PER_MS = 8;

/** What a join, tap or ringback on a leg that has ended returns: there is nothing to stop. */
const CLOSED: MediaJoin = { close() {} };

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
  /** The whole-call ones among them (`Record=true`): they also hear what this leg is fed. */
  private callRecordings: Set<SimRecording> | undefined;
  /** While a `<Record>` beep plays: what the phone starts saying, to be recorded once it ends. */
  private speechOverBeep: { text: string; at: number }[] | null = null;

  /** Where what this phone sends goes besides recordings: a joined leg's feed, and taps. */
  private outlets: Set<(signal: FarEndSignal) => void> | undefined;
  /** Joins, taps and ringback running on this leg: the call's end closes them. */
  private links: Set<MediaJoin> | undefined;

  constructor(private readonly leg: SimMediaLeg) {}

  /**
   * Two simulated legs join at log level: while joined, what one phone says or presses is in
   * the other's heard log with `fromCallSid`, and both legs are `bridged`. A leg of another
   * kind gets null, so `bridgeMedia` links it through tap/feed. A leg that has ended gets a
   * join with nothing to stop (the bridge is over anyway); one that is not answered, or is
   * already bridged, is a bug in the caller and throws InvalidLegTransition.
   */
  join(other: Media): MediaJoin | null {
    if (!(other instanceof SimMedia)) return null;
    if (other === this) throw new Error(`Call ${this.leg.callSid} cannot be joined to itself`);
    const legs = [this.leg.lifecycle, other.leg.lifecycle];
    if (legs.some((leg) => leg.state === 'ended')) return CLOSED;
    // Both or neither: a leg that cannot be bridged leaves the other as it was.
    for (const leg of legs) if (!canLegTransition(leg.state, 'bridged')) throw new InvalidLegTransition(leg.state, 'bridged');
    for (const leg of legs) leg.to('bridged');
    const toOther = (signal: FarEndSignal) => other.feed(signal, this.leg.callSid);
    const toThis = (signal: FarEndSignal) => this.feed(signal, other.leg.callSid);
    this.outlet(toOther);
    other.outlet(toThis);
    return SimMedia.link([this, other], () => {
      this.outlets?.delete(toOther);
      other.outlets?.delete(toThis);
      for (const leg of legs) if (leg.state === 'bridged') leg.to('answered');
    });
  }

  /** Hands what this phone says (`speech`) and presses (`digits`) to `sink` until closed. */
  tap(sink: (signal: FarEndSignal) => void): MediaJoin {
    if (this.leg.lifecycle.state === 'ended') return CLOSED;
    const own = (signal: FarEndSignal) => sink(signal); // a sink tapped twice is two taps
    this.outlet(own);
    return SimMedia.link([this], () => this.outlets?.delete(own));
  }

  /**
   * What the far end of `fromCallSid` sent is heard here: words and keys as `speech`/`digits`
   * entries, audio frames as `audio` entries (consecutive frames coalesce, see CallLog).
   * Nothing is heard on a leg that has not started or has ended.
   */
  feed(signal: FarEndSignal, fromCallSid: string): void {
    const state = this.leg.lifecycle.state;
    if (state === 'ended' || state === 'dialing') return;
    const now = this.leg.network.clock.now();
    if (signal.kind === 'audio') {
      if (signal.pcm.length > 0) this.leg.log.addAudio(now, signal.pcm.length / SAMPLES_PER_MS, fromCallSid);
    } else {
      this.leg.log.addCrossed(now, signal, fromCallSid);
      // A whole-call recording holds both directions: while bridged, the other party too.
      for (const recording of this.callRecordings ?? []) {
        if (signal.kind === 'speech') recording.speak(signal.text);
        else recording.press(signal.digits);
      }
    }
  }

  /**
   * Ringback while a dialled leg rings (dial.md §3.5): a `ringback` entry added as it starts,
   * its `ms` filled in when it stops. A ringing inbound leg hears it too (early media, for
   * `answerOnBridge`). Simnet does not model the cadence, so `tone` changes nothing heard.
   */
  ringback(_tone: string | null): MediaJoin {
    const state = this.leg.lifecycle.state;
    if (state === 'ended' || state === 'dialing') return CLOSED;
    const { clock } = this.leg.network;
    const startedAt = clock.now();
    const played = this.leg.log.addRingback(startedAt);
    return SimMedia.link([this], () => played(Math.round(clock.callTimeSince(startedAt))));
  }

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
        ({ ms } = await this.leg.network.fetchAudio(url, signal));
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
    if (legIsUp(this.leg.lifecycle.state)) this.hear('pause', ms);
    await this.wait(ms, signal);
  }

  /** Simulated keys arrive as events, not tones: there is nothing to detect. */
  listening(): void {}

  async record(request: RecordRequest, signal: AbortSignal): Promise<RecordResult> {
    this.assertLive(signal);
    // Words the phone starts saying during the beep are recorded from the beep's end on, not
    // dropped: a caller who speaks over the beep is still heard (what follows it is in the file).
    const overBeep: { text: string; at: number }[] = [];
    if (request.beep) {
      this.hear('beep', BEEP_MS);
      this.speechOverBeep = overBeep;
      try {
        await this.wait(BEEP_MS, signal);
      } catch (error) {
        // Stopped before a sound was recorded: the file is still complete, and empty.
        await writeWav(request.path, 0, () => {});
        throw error;
      } finally {
        this.speechOverBeep = null;
      }
    }
    const clock = this.leg.network.clock;
    const recording = new SimRecording(clock, this.leg.network.tts, request.path, request);
    for (const { text, at } of overBeep) recording.speak(text, clock.callTimeSince(at));
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
      return { durationMs, reason, spoken: recording.spoken() };
    } finally {
      this.recordings?.delete(recording);
      request.stop.removeEventListener('abort', stop);
      signal.removeEventListener('abort', stop);
    }
  }

  startCallRecording(path: string): CallRecording {
    const recording = new SimRecording(this.leg.network.clock, this.leg.network.tts, path, { maxLengthMs: 0, silenceTimeoutMs: 0 });
    if (this.leg.lifecycle.state === 'ended') recording.end('hangup');
    else {
      (this.recordings ??= new Set()).add(recording);
      (this.callRecordings ??= new Set()).add(recording);
    }
    return {
      stop: async () => {
        this.recordings?.delete(recording);
        this.callRecordings?.delete(recording);
        recording.end('finished');
        return { durationMs: await recording.write() };
      },
    };
  }

  /** The phone said `text`: recordings running now hear it, and so do a joined leg and taps. */
  farEndSpoke(text: string): void {
    this.speechOverBeep?.push({ text, at: this.leg.network.clock.now() });
    for (const recording of this.recordings ?? []) recording.speak(text);
    this.send({ kind: 'speech', text });
  }

  /** The phone pressed keys: recordings running now hear the tones, and so do a joined leg and taps. */
  farEndPressed(digits: string): void {
    for (const recording of this.recordings ?? []) recording.press(digits);
    this.send({ kind: 'digits', digits });
  }

  /** Rejects everything in flight and closes joins, taps and ringback; called once by the call as it ends. */
  close(): void {
    for (const recording of this.recordings ?? []) recording.end('hangup');
    for (const link of this.links ?? []) link.close();
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    const error = new Error(`Call ${this.leg.callSid} has ended`);
    for (const wait of pending) wait.settle(error);
  }

  /**
   * A running link on `media`, tracked by each so the call's end closes it; `stop` runs once,
   * whichever closes it first.
   */
  private static link(media: SimMedia[], stop: () => void): MediaJoin {
    let open = true;
    const link: MediaJoin = {
      close() {
        if (!open) return;
        open = false;
        for (const one of media) one.links?.delete(link);
        stop();
      },
    };
    for (const one of media) (one.links ??= new Set()).add(link);
    return link;
  }

  private outlet(sink: (signal: FarEndSignal) => void): void {
    (this.outlets ??= new Set()).add(sink);
  }

  private send(signal: FarEndSignal): void {
    for (const sink of this.outlets ?? []) sink(signal);
  }

  private assertLive(signal: AbortSignal, ringingIsFine = false): void {
    if (signal.aborted) throw signal.reason;
    const state = this.leg.lifecycle.state;
    if (state === 'ended') throw new Error(`Call ${this.leg.callSid} has ended`);
    if (!legIsUp(state) && !ringingIsFine) throw new Error(`Call ${this.leg.callSid} is not answered`);
  }

  private hear(kind: HeardKind, ms: number, text?: string, url?: string): void {
    this.leg.log.add(this.leg.network.clock.now(), kind, ms, text, url);
  }

  private wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const wait = new MediaWait(signal, resolve, reject, (w) => this.pending?.delete(w));
      (this.pending ??= new Set()).add(wait);
      wait.timer = this.leg.network.clock.setTimer(ms, () => wait.settle());
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
