import { ringback } from '../audio/tones.js';
import type { FarEndSignal, MediaJoin, SayOptions } from '../ports/carrier.js';
import type { Tts } from '../ports/tts.js';
import type { RtpStream } from './rtp/media-engine.js';

/** What the joins of one SIP leg need from it. */
export interface JoinHost {
  readonly tts: Tts;
  /** Resolves with the answered stream; undefined for a leg not answered (yet); rejects once over. */
  answeredStream(allowEarly: boolean): Promise<RtpStream | undefined>;
  /** The answered stream right now, or undefined (not answered, or over). */
  currentStream(): RtpStream | undefined;
  /** A media join started or stopped on this leg (LegState `bridged`). */
  bridged(on: boolean): void;
  onEnd(reject: (error: Error) => void): () => void;
}

/**
 * Speech a simulated phone said, fed to a SIP leg, is spoken with a neutral voice: the far end
 * of the bridge has no voice of its own (issue 7: "the simulated phone's speech reaches the SIP
 * caller as TTS audio").
 */
const FED_VOICE: SayOptions = { voice: 'man', language: 'en-US' };

/** Plays until the stream closes: fed signals have no one to abort them but the leg's end. */
const UNTIL_CLOSED = new AbortController().signal;

/**
 * The Media port's joins on a SIP leg (ports/carrier.ts): a native RTP link with another SIP leg
 * of the same media worker, the audio path (tap/feed) for legs of other kinds, and ringback.
 */
export class SipJoins {
  private readonly sinks = new Set<(signal: FarEndSignal) => void>();
  /** Fed speech and keys, chained so they play in order. */
  private speech: Promise<void> = Promise.resolve();

  constructor(private readonly host: JoinHost) {}

  /**
   * Links the two legs' RTP in their worker, when both are answered and on one worker; null
   * otherwise (bridgeMedia falls back to tap/feed). Either leg ending ends the join; closing it
   * afterwards is harmless.
   */
  join(other: SipJoins): MediaJoin | null {
    if (other === this) return null;
    const a = this.host.currentStream();
    const b = other.host.currentStream();
    if (!a || !b || !a.link(b)) return null;
    this.host.bridged(true);
    other.host.bridged(true);
    let open = true;
    let offA = () => {};
    let offB = () => {};
    const close = () => {
      if (!open) return;
      open = false;
      offA();
      offB();
      a.unlink(b);
      this.host.bridged(false);
      other.host.bridged(false);
    };
    offA = this.host.onEnd(close);
    offB = other.host.onEnd(close);
    return { close };
  }

  /** Hands keys and decoded 20 ms frames to `sink` until closed; audio is decoded only while tapped. */
  tap(sink: (signal: FarEndSignal) => void): MediaJoin {
    this.sinks.add(sink);
    if (this.sinks.size === 1) this.tapStream();
    let open = true;
    return {
      close: () => {
        if (!open) return;
        open = false;
        this.sinks.delete(sink);
        if (this.sinks.size === 0) this.tapStream();
      },
    };
  }

  /** What the far end sent, from the leg's stream events. A sink that throws breaks only itself. */
  heard(signal: FarEndSignal): void {
    for (const sink of this.sinks) {
      try {
        sink(signal);
      } catch {
        // the sink's own bug; the call and the other sinks go on
      }
    }
  }

  /** Plays what another leg's far end sent; dropped when this leg is not answered or is over. */
  feed(signal: FarEndSignal): void {
    const stream = this.host.currentStream();
    if (!stream) return;
    if (signal.kind === 'audio') return stream.feed(signal.pcm);
    // Keys and speech play in the order they were sent, whatever each render takes.
    const play =
      signal.kind === 'digits'
        ? () => stream.playDigits(signal.digits, UNTIL_CLOSED)
        : ((rendered) => () => rendered.then((pcm) => stream.play(pcm, UNTIL_CLOSED)))(this.host.tts.render(signal.text, FED_VOICE, UNTIL_CLOSED));
    this.speech = this.speech.then(play).catch(() => undefined);
  }

  /**
   * Loops one cadence of the tone until closed, two cycles queued so no gap opens while the next
   * is posted. A leg whose answer is still being sent (a `<Dial>` answers its inbound caller just
   * before it rings the children) starts once it is up. A leg not answered at all gets nothing
   * from us: its phone plays ringback itself on our 180 (RFC 3960 §2, local ringback when no
   * early media comes).
   */
  ringback(tone: string | null): MediaJoin {
    const cycle = ringback(tone);
    const stop = new AbortController();
    const start = (stream: RtpStream | undefined): void => {
      if (!stream || stop.signal.aborted) return;
      const next = (): void => void stream.play(cycle, stop.signal).then(next, () => undefined);
      next();
      next();
    };
    const stream = this.host.currentStream();
    if (stream) start(stream);
    else this.host.answeredStream(true).then(start, () => undefined);
    return { close: () => stop.abort() };
  }

  private tapStream(): void {
    const on = this.sinks.size > 0;
    this.host.answeredStream(false).then(
      (stream) => {
        if (on === this.sinks.size > 0) stream?.tap(on);
      },
      () => undefined,
    );
  }
}
