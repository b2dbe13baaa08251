/**
 * What each simulated phone heard: the log tests read back (`GET /sim/v1/calls/{sid}`,
 * `switchboard/testing`). It imports nothing, so every simnet file can use it.
 */

/**
 * Kinds of entry. The first six are what the app played to this phone; the rest crossed a
 * bridge (issue 7, "Bridged audio"): `speech`/`digits` said or pressed by the phone on the
 * other leg, `audio` sent by a leg that carries sound (a SIP phone), and `ringback`, the tone
 * this phone heard while a dialled leg rang (dial.md §3.5).
 */
export type HeardKind = 'say' | 'play' | 'pause' | 'tone' | 'silence' | 'beep' | 'speech' | 'digits' | 'audio' | 'ringback';

/** What the far end heard, one entry per piece of audio, appended when the audio starts. */
export interface HeardEntry {
  /** When the audio started, ISO 8601 (from the network's Clock). */
  at: string;
  /** `beep`: the 1 kHz tone `<Record>` plays before it records. */
  kind: HeardKind;
  /** `say`: the words; `tone`: the keys of one run of DTMF; `speech`: what the other phone said. */
  text?: string;
  /** `digits`: the keys the other phone pressed. */
  digits?: string;
  /** `play`: the audio URL. */
  url?: string;
  /**
   * How long the audio lasts, in call-time ms. `audio`: the length of the frames received;
   * `ringback`: how long it played, present once it has stopped. Absent on `speech`/`digits`.
   */
  ms?: number;
  /** `speech`, `digits`, `audio`: the call whose far end sent it. */
  fromCallSid?: string;
}

/** A call's heard log as `SimNetwork.heard()` returns it. */
export interface HeardLog {
  callSid: string;
  /** The far-end phone: the To of an outbound call, the From of an inbound one. */
  number: string;
  heard: HeardEntry[];
  /** Present only when the per-call cap dropped the oldest entries: how many. */
  dropped?: number;
}

/** A signal from the other side of a bridge that the log shows as words or keys. */
export type CrossedSignal = { kind: 'speech'; text: string } | { kind: 'digits'; digits: string };

/**
 * A call loops forever when a document redirects to itself, so each log keeps only its most
 * recent entries: 1000 entries is minutes of audio and stays well inside the per-call budget.
 */
const MAX_ENTRIES_PER_CALL = 1000;

/**
 * Audio frames closer together than this (wall-clock ms between one frame's end and the next
 * frame) are one `audio` entry: RTP jitter does not split a stream, a pause in talking does.
 */
export const AUDIO_GAP_MS = 100;

type Entry = Omit<HeardEntry, 'at'> & { at: number };

/**
 * The heard log of one call. Entries keep `at` as epoch ms and are rendered to ISO strings only
 * when read, so a live call carries numbers, not strings, and `text`/`url` share the strings
 * the TwiML document already holds.
 */
export class CallLog {
  private readonly entries: Entry[] = [];
  private dropped = 0;
  /** The `audio` entry frames are being added to, and when its last frame ended (epoch ms). */
  private audioRun: { entry: Entry; endsAt: number } | undefined;

  constructor(
    readonly callSid: string,
    readonly number: string,
  ) {}

  add(at: number, kind: HeardKind, ms: number, text?: string, url?: string): void {
    this.push(text !== undefined ? { at, kind, text, ms } : url !== undefined ? { at, kind, url, ms } : { at, kind, ms });
  }

  /** Words or keys from the far end of `fromCallSid`, heard across a bridge. */
  addCrossed(at: number, signal: CrossedSignal, fromCallSid: string): void {
    this.push(signal.kind === 'speech' ? { at, kind: 'speech', text: signal.text, fromCallSid } : { at, kind: 'digits', digits: signal.digits, fromCallSid });
  }

  /**
   * `ms` of audio from `fromCallSid` arrived at `at`. It extends the latest entry when that is
   * audio from the same call that ended no more than AUDIO_GAP_MS ago.
   */
  addAudio(at: number, ms: number, fromCallSid: string): void {
    const run = this.audioRun;
    const last = this.entries[this.entries.length - 1];
    if (run && run.entry === last && run.entry.fromCallSid === fromCallSid && at - run.endsAt <= AUDIO_GAP_MS) {
      run.entry.ms = (run.entry.ms ?? 0) + ms;
      run.endsAt = Math.max(run.endsAt, at) + ms;
      return;
    }
    const entry: Entry = { at, kind: 'audio', ms, fromCallSid };
    this.push(entry);
    this.audioRun = { entry, endsAt: at + ms };
  }

  /** Ringback started at `at`; the returned function records how long it played, in call-time ms. */
  addRingback(at: number): (ms: number) => void {
    const entry: Entry = { at, kind: 'ringback' };
    this.push(entry);
    return (ms) => {
      entry.ms = ms;
    };
  }

  view(): HeardLog {
    const heard = this.entries.map(({ at, ...rest }) => ({ at: new Date(at).toISOString(), ...rest }));
    const log: HeardLog = { callSid: this.callSid, number: this.number, heard };
    if (this.dropped > 0) log.dropped = this.dropped;
    return log;
  }

  private push(entry: Entry): void {
    if (this.entries.length >= MAX_ENTRIES_PER_CALL) {
      this.entries.shift();
      this.dropped++;
    }
    this.entries.push(entry);
  }
}
