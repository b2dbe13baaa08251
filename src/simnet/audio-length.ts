import { fetch } from 'undici';

/**
 * The Play verb could not learn an audio file's length because the fetch failed. `code` is
 * Twilio's 11200 "HTTP retrieval failure" (xml-and-errors.md §4), which the verb reports.
 */
export class AudioFetchError extends Error {
  readonly code = 11200;

  constructor(
    readonly url: string,
    reason: string,
    /** The HTTP status when the server answered with a non-2xx status. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`Could not fetch audio ${url}: ${reason}`, options);
    this.name = 'AudioFetchError';
  }
}

/**
 * The default `fetchAudio` of SimNetwork: GETs `url` and works out how long the audio lasts
 * without decoding it. WAV (by Content-Type or `RIFF…WAVE` magic): data-chunk bytes / byte
 * rate. `audio/mpeg`: bytes at 128 kbit/s. `audio/basic` / μ-law: 8000 bytes/s. Anything
 * else: 16000 bytes/s (16-bit PCM at 8 kHz). The body is counted as it streams, never held.
 *
 * Rejects with `signal.reason` when aborted, and with an AudioFetchError on any other failure.
 */
export async function fetchAudioLength(url: string, signal: AbortSignal): Promise<{ ms: number }> {
  if (!/^https?:\/\//i.test(url)) throw new AudioFetchError(url, 'not an http(s) URL');
  try {
    const res = await fetch(url, { signal });
    if (!res.ok) {
      await res.body?.cancel();
      throw new AudioFetchError(url, `HTTP ${res.status}`, res.status);
    }
    const measure = new AudioMeasure((res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase());
    if (res.body) for await (const chunk of res.body) measure.push(chunk);
    return { ms: Math.round(measure.ms()) };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof AudioFetchError) throw err;
    const cause = (err as { cause?: { message?: string } }).cause;
    const detail = cause?.message ?? (err as Error).message ?? String(err);
    throw new AudioFetchError(url, detail, undefined, { cause: err });
  }
}

/** Enough of the file's start to find a WAV `data` chunk behind `fmt ` and `LIST` chunks. */
const HEAD_BYTES = 64 * 1024;
const MPEG_TYPES = new Set(['audio/mpeg', 'audio/mp3', 'audio/mpeg3', 'audio/x-mpeg-3']);
const ULAW_TYPES = new Set(['audio/basic', 'audio/ulaw', 'audio/x-ulaw', 'audio/mulaw', 'audio/x-mulaw', 'audio/pcmu']);

/** Counts bytes and keeps only the head, so a long file costs no memory. */
class AudioMeasure {
  private total = 0;
  private readonly head: Uint8Array[] = [];
  private headLength = 0;

  constructor(private readonly contentType: string) {}

  push(chunk: Uint8Array): void {
    this.total += chunk.byteLength;
    if (this.headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.headLength);
      this.head.push(part);
      this.headLength += part.byteLength;
    }
  }

  ms(): number {
    const wav = wavDurationMs(Buffer.concat(this.head), this.total);
    if (wav !== undefined) return wav;
    if (MPEG_TYPES.has(this.contentType)) return (this.total * 8) / 128; // 128 kbit/s
    if (ULAW_TYPES.has(this.contentType)) return this.total / 8; // 8000 bytes/s
    // WAV is recognised by its RIFF magic whatever the Content-Type says (servers often send
    // application/octet-stream); a "WAV" whose header does not parse gets the generic guess.
    return this.total / 16; // 16000 bytes/s
  }
}

/**
 * Duration of a RIFF/WAVE file from its `fmt ` byte rate and `data` chunk size, or undefined
 * when `head` is not a WAV file. A streamed WAV often declares size 0 or 0xFFFFFFFF, so the
 * bytes actually received cap (or stand in for) the declared size.
 */
export function wavDurationMs(head: Buffer, totalBytes: number): number | undefined {
  if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let byteRate = 0;
  for (let at = 12; at + 8 <= head.length; ) {
    const id = head.toString('latin1', at, at + 4);
    const size = head.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ' && body + 12 <= head.length) byteRate = head.readUInt32LE(body + 8);
    if (id === 'data') {
      if (byteRate === 0) return undefined;
      const received = Math.max(0, totalBytes - body);
      const dataBytes = size === 0 || size === 0xffffffff ? received : Math.min(size, received);
      return (dataBytes * 1000) / byteRate;
    }
    at = body + size + (size & 1); // RIFF chunks are padded to an even length
  }
  return undefined;
}
