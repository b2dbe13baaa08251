/**
 * The one PCM shape of Switchboard's real media: 8 kHz, mono, signed 16-bit samples in an
 * `Int16Array` over a SharedArrayBuffer, so a media worker can take the buffer by reference
 * (structured clone shares a SharedArrayBuffer instead of copying it).
 */
export const SAMPLE_RATE = 8000;

/** Samples in `ms` milliseconds at 8 kHz. */
export function samplesFor(ms: number): number {
  return Math.max(0, Math.round((ms * SAMPLE_RATE) / 1000));
}

/**
 * A shared PCM buffer: `sharedPcm(n)` is n samples of silence; `sharedPcm(values)` copies the
 * values (clamped to the 16-bit range by Int16Array's conversion, after rounding).
 */
export function sharedPcm(samples: number | ArrayLike<number>): Int16Array {
  if (typeof samples === 'number') return new Int16Array(new SharedArrayBuffer(samples * 2));
  const pcm = new Int16Array(new SharedArrayBuffer(samples.length * 2));
  if (samples instanceof Int16Array) pcm.set(samples);
  else for (let i = 0; i < samples.length; i++) pcm[i] = clamp16(samples[i]);
  return pcm;
}

/**
 * Shared PCM from raw little-endian s16 bytes (what `ffmpeg -f s16le` writes), given as one
 * buffer or as the chunks a stream delivered; joined in one copy. A trailing odd byte is dropped.
 */
export function pcmFromS16le(bytes: Uint8Array | readonly Uint8Array[]): Int16Array {
  const chunks = bytes instanceof Uint8Array ? [bytes] : bytes;
  let total = 0;
  for (const chunk of chunks) total += chunk.byteLength;
  const shared = new SharedArrayBuffer(total & ~1);
  const target = new Uint8Array(shared);
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, Math.max(0, target.length - at));
    target.set(part, at);
    at += part.length;
  }
  // Int16Array reads the platform's byte order; every Node target (x64, arm64) is little-endian.
  return new Int16Array(shared);
}

function clamp16(value: number): number {
  const v = Math.round(value);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}
