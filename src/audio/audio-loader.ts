import { fetch, type Dispatcher } from 'undici';
import { AudioCache, type Produced } from './audio-cache.js';
import { AudioError } from './audio-error.js';
import { DEFAULT_FFMPEG, FFMPEG_MISSING_HINT } from './audio-tools.js';
import { ffmpegToPcm8k } from './ffmpeg-args.js';
import { pcmFromS16le } from './pcm.js';
import { runTool, type SpawnFn } from './run-tool.js';
import { decodeWav, isPhoneWav, readWavInfo } from './wav.js';

export interface AudioLoaderOptions {
  ffmpegPath?: string;
  /** Bound of the decoded-audio cache. Default 64 MiB (about 70 minutes at 8 kHz). */
  cacheBytes?: number;
  /** Largest file fetched. Default 50 MiB. */
  maxBytes?: number;
  /** Whole fetch (headers and body). Default 30 s. */
  timeoutMs?: number;
  /** Redirects followed before giving up with 11215. Default 10, as Twilio. */
  maxRedirects?: number;
  /** ffmpeg run. Default 60 s. */
  decodeTimeoutMs?: number;
  spawn?: SpawnFn;
  /** undici dispatcher (agent, proxy, mock) for the fetch. */
  dispatcher?: Dispatcher;
}

/**
 * Above this many samples (30 s) even a phone-format WAV goes to ffmpeg: decoding it here
 * would hold the main event loop (SIP signalling, the HTTP API) for more than about 2 ms
 * (bench/audio-decode.ts).
 */
const NATIVE_MAX_SAMPLES = 30 * 8000;
const NATIVE_MAX_FILE = 1024 * 1024;
/** Content types that are certainly not audio: an HTML error page, a JSON or XML body. */
const NOT_AUDIO = /^(text\/|application\/(json|xml|xhtml\+xml|javascript)\b)/;

/**
 * Audio for `<Play>` on real calls (https://www.twilio.com/docs/voice/twiml/play): fetches the
 * URL with undici and decodes it to shared 8 kHz PCM. An 8 kHz mono WAV in 16-bit PCM, µ-law
 * or A-law up to 30 s is decoded here; everything else (MP3, other WAV rates, OGG, FLAC…)
 * goes through ffmpeg in a child process. Results are cached by URL unless the response says
 * `Cache-Control: no-store` or `no-cache`; concurrent loads of one URL share one download.
 *
 * Every failure is an AudioError whose `code` is the Twilio code for the call's notification.
 */
export class AudioLoader {
  private readonly cache: AudioCache;

  constructor(private readonly options: AudioLoaderOptions = {}) {
    this.cache = new AudioCache(options.cacheBytes ?? 64 * 1024 * 1024);
  }

  /** Resolves with read-only shared PCM; rejects with `signal.reason` when aborted. */
  load(url: string, signal?: AbortSignal): Promise<Int16Array> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return Promise.reject(new AudioError(11100, `Play URL "${url}" is not an absolute URL`, { url }));
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return Promise.reject(new AudioError(11100, `Play URL "${url}" is not http(s)`, { url }));
    }
    return this.cache.obtain(parsed.href, signal, (work) => this.fetchAndDecode(parsed.href, work));
  }

  private async fetchAndDecode(url: string, signal: AbortSignal): Promise<Produced> {
    const { chunks, bytes, cacheable } = await this.download(url, signal);
    if (bytes <= NATIVE_MAX_FILE) {
      const file = Buffer.concat(chunks, bytes);
      const info = readWavInfo(file);
      if (info && isPhoneWav(info) && (info.dataBytes * 8) / info.bitsPerSample <= NATIVE_MAX_SAMPLES) {
        return { pcm: decodeWav(file)!, cacheable };
      }
    }
    const raw = await runTool({
      command: this.options.ffmpegPath ?? DEFAULT_FFMPEG,
      args: ffmpegToPcm8k(),
      input: chunks,
      signal,
      timeoutMs: this.options.decodeTimeoutMs ?? 60_000,
      missingHint: FFMPEG_MISSING_HINT,
      failureCode: 13420,
      spawn: this.options.spawn,
    }).catch((error: unknown) => {
      if (error instanceof AudioError && error.code === 13420) {
        throw new AudioError(13420, `${url} is not audio ffmpeg can decode (${error.message})`, { ...error.details, url });
      }
      throw error;
    });
    const pcm = pcmFromS16le(raw);
    if (pcm.length === 0) throw new AudioError(13420, `${url} holds no audio`, { url });
    return { pcm, cacheable };
  }

  /** GET with redirects followed by hand (to count them as Twilio does), a size cap and a timeout. */
  private async download(url: string, signal: AbortSignal): Promise<{ chunks: Uint8Array[]; bytes: number; cacheable: boolean }> {
    const maxBytes = this.options.maxBytes ?? 50 * 1024 * 1024;
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const maxRedirects = this.options.maxRedirects ?? 10;
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      let target = url;
      for (let redirects = 0; ; redirects++) {
        const res = await fetch(target, {
          redirect: 'manual',
          signal: controller.signal,
          headers: { accept: 'audio/*, */*;q=0.5', 'user-agent': 'Switchboard' },
          dispatcher: this.options.dispatcher,
        });
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel();
          if (redirects >= maxRedirects) throw new AudioError(11215, `${url}: more than ${maxRedirects} redirects`, { url });
          target = new URL(location, target).href;
          continue;
        }
        if (!res.ok) {
          await res.body?.cancel();
          throw new AudioError(11200, `${url} answered HTTP ${res.status}`, { url, status: res.status });
        }
        const type = (res.headers.get('content-type') ?? '').toLowerCase();
        if (NOT_AUDIO.test(type)) {
          await res.body?.cancel();
          throw new AudioError(13420, `${url} answered Content-Type ${type}, which is not audio`, { url, status: res.status });
        }
        const declared = Number(res.headers.get('content-length') ?? NaN);
        if (declared > maxBytes) {
          await res.body?.cancel();
          throw new AudioError(11200, `${url} is ${declared} bytes, over the ${maxBytes}-byte limit`, { url });
        }
        const chunks: Uint8Array[] = [];
        let bytes = 0;
        if (res.body) {
          for await (const chunk of res.body) {
            bytes += chunk.byteLength;
            if (bytes > maxBytes) {
              controller.abort();
              throw new AudioError(11200, `${url} is over the ${maxBytes}-byte limit`, { url });
            }
            chunks.push(chunk);
          }
        }
        return { chunks, bytes, cacheable: isCacheable(res.headers.get('cache-control'), res.headers.get('pragma')) };
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof AudioError) throw error;
      if (timedOut) throw new AudioError(11200, `${url} did not answer within ${timeoutMs} ms`, { url }, { cause: error });
      throw fetchFailure(url, error);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }
}

/** RFC 9111 §5.2.2: `no-store` forbids keeping it; `no-cache` forbids reusing it unrevalidated. */
function isCacheable(cacheControl: string | null, pragma: string | null): boolean {
  const directives = (cacheControl ?? '').toLowerCase().split(',').map((d) => d.trim().split('=')[0]);
  if (directives.includes('no-store') || directives.includes('no-cache')) return false;
  return !(cacheControl === null && /no-cache/i.test(pragma ?? ''));
}

/** undici reports network failures as TypeError("fetch failed") with the socket error as cause. */
function fetchFailure(url: string, error: unknown): AudioError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? '';
  const reason = cause?.message ?? (error as Error).message ?? String(error);
  const connection = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT)/.test(code);
  return new AudioError(connection ? 11205 : 11200, `Could not fetch ${url}: ${reason}`, { url }, { cause: error });
}
