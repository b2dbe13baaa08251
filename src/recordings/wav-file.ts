import { open, rename, rm } from 'node:fs/promises';
import { wavHeader } from '../audio/wav.js';

/**
 * Recordings are WAV files of 8 kHz mono signed 16-bit PCM, Twilio's recording format (its
 * `.wav` media is 8 kHz mono PCM). The header is the canonical 44-byte RIFF/WAVE one
 * (RIFF chunk, `fmt ` chunk of 16 bytes with format 1 = PCM, then one `data` chunk).
 */
export const WAV_SAMPLE_RATE = 8000;
export const WAV_HEADER_BYTES = 44;
const BYTES_PER_SAMPLE = 2;
/** Samples read or written per step: one second of audio. */
const CHUNK_SAMPLES = WAV_SAMPLE_RATE;

/**
 * Writes a WAV file of `samples` samples, one second at a time: `fill(chunk, offset)` writes
 * the samples that start at `offset` into `chunk` (which starts as silence). A whole-call
 * recording can last hours, so the audio is never held in memory at once.
 */
export async function writeWav(path: string, samples: number, fill: (chunk: Int16Array, offset: number) => void): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.write(wavHeader(samples * BYTES_PER_SAMPLE));
    for (let offset = 0; offset < samples; offset += CHUNK_SAMPLES) {
      const chunk = new Int16Array(Math.min(CHUNK_SAMPLES, samples - offset));
      fill(chunk, offset);
      await file.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
  } finally {
    await file.close();
  }
}

/**
 * Number of samples per channel in a recording file written by `writeWav` or `mergeWavs` (or
 * any 44-byte-header PCM WAV): a two-channel second holds 8000 sample frames, not 16000.
 */
export async function wavSamples(path: string): Promise<number> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const header = Buffer.alloc(WAV_HEADER_BYTES);
    await file.read(header, 0, WAV_HEADER_BYTES, 0);
    const channels = size >= WAV_HEADER_BYTES ? Math.max(1, header.readUInt16LE(22)) : 1;
    return Math.max(0, Math.floor((size - WAV_HEADER_BYTES) / (BYTES_PER_SAMPLE * channels)));
  } finally {
    await file.close();
  }
}

/** One mono recording placed in a merged one: from `offsetSamples` on, in `channel` (0 or 1). */
export interface WavPart {
  path: string;
  offsetSamples: number;
  channel: 0 | 1;
}

/**
 * Merges mono recordings into one WAV at `out`: with `channels` 1 the parts are summed (with
 * clipping at the 16-bit limits), with 2 each part lands in its own channel, interleaved as WAV
 * requires (`<Dial record="…-dual">`: the caller in channel 1, the called party in channel 2,
 * dial.md §7). Read and written a second at a time, like `writeWav`. A missing part is silence.
 */
export async function mergeWavs(out: string, parts: WavPart[], channels: 1 | 2): Promise<number> {
  const sources = await Promise.all(parts.map(async (part) => {
    try {
      return { ...part, file: await open(part.path, 'r'), samples: await wavSamples(part.path) };
    } catch {
      return null;
    }
  }));
  const present = sources.filter((source) => source !== null);
  const total = Math.max(0, ...present.map((source) => source.offsetSamples + source.samples));
  const file = await open(out, 'w');
  try {
    await file.write(wavHeader(total * BYTES_PER_SAMPLE * channels, WAV_SAMPLE_RATE, channels));
    for (let offset = 0; offset < total; offset += CHUNK_SAMPLES) {
      const length = Math.min(CHUNK_SAMPLES, total - offset);
      const frame = new Int32Array(length * channels);
      for (const source of present) {
        const from = Math.max(offset, source.offsetSamples);
        const to = Math.min(offset + length, source.offsetSamples + source.samples);
        if (to <= from) continue;
        const bytes = Buffer.alloc((to - from) * BYTES_PER_SAMPLE);
        await source.file.read(bytes, 0, bytes.length, WAV_HEADER_BYTES + (from - source.offsetSamples) * BYTES_PER_SAMPLE);
        const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, to - from);
        const channel = channels === 2 ? source.channel : 0;
        for (let i = 0; i < pcm.length; i++) frame[(from - offset + i) * channels + channel] += pcm[i];
      }
      const chunk = new Int16Array(frame.length);
      for (let i = 0; i < frame.length; i++) chunk[i] = Math.max(-32768, Math.min(32767, frame[i]));
      await file.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
  } finally {
    await file.close();
    await Promise.all(present.map((source) => source.file.close()));
  }
  return total;
}

/**
 * Rewrites the header of a WAV file whose writer stopped before patching its sizes (a crash
 * mid-recording) so that it matches the samples on disk; returns how many there are.
 */
export async function repairWavHeader(path: string): Promise<number> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    const samples = Math.max(0, Math.floor((size - WAV_HEADER_BYTES) / BYTES_PER_SAMPLE));
    await file.write(wavHeader(samples * BYTES_PER_SAMPLE), 0, WAV_HEADER_BYTES, 0);
    return samples;
  } finally {
    await file.close();
  }
}

/**
 * A sample this loud or louder is sound, not silence: about −42 dBFS, above the noise of a quiet
 * phone line and well below speech (Twilio does not publish its threshold).
 */
export const SILENCE_THRESHOLD = 256;

/**
 * `trim="trim-silence"`: removes leading and trailing silence, in place. Returns the samples
 * left (0 when the file held only silence). The file is scanned a second at a time from each
 * end, and rewritten through a temporary file renamed over it.
 */
export async function trimSilence(path: string): Promise<number> {
  const total = await wavSamples(path);
  const file = await open(path, 'r');
  let first = -1;
  let last = -1;
  try {
    const read = async (offset: number, count: number): Promise<Int16Array> => {
      const bytes = Buffer.alloc(count * BYTES_PER_SAMPLE);
      await file.read(bytes, 0, bytes.length, WAV_HEADER_BYTES + offset * BYTES_PER_SAMPLE);
      return new Int16Array(bytes.buffer, bytes.byteOffset, count);
    };
    for (let offset = 0; offset < total && first < 0; offset += CHUNK_SAMPLES) {
      const chunk = await read(offset, Math.min(CHUNK_SAMPLES, total - offset));
      const i = chunk.findIndex(loud);
      if (i >= 0) first = offset + i;
    }
    if (first < 0) {
      await file.close();
      await writeWav(path, 0, () => {});
      return 0;
    }
    for (let end = total; end > first && last < 0; end -= CHUNK_SAMPLES) {
      const start = Math.max(first, end - CHUNK_SAMPLES);
      const chunk = await read(start, end - start);
      for (let i = chunk.length - 1; i >= 0 && last < 0; i--) if (loud(chunk[i])) last = start + i;
    }
    const kept = last - first + 1;
    if (kept === total) return total;
    const temporary = `${path}.trim`;
    const out = await open(temporary, 'w');
    try {
      await out.write(wavHeader(kept * BYTES_PER_SAMPLE));
      for (let offset = 0; offset < kept; offset += CHUNK_SAMPLES) {
        const chunk = await read(first + offset, Math.min(CHUNK_SAMPLES, kept - offset));
        await out.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      }
      await out.close();
      await rename(temporary, path);
    } catch (error) {
      await out.close().catch(() => {});
      await rm(temporary, { force: true });
      throw error;
    }
    return kept;
  } finally {
    await file.close().catch(() => {});
  }
}

function loud(sample: number): boolean {
  return sample >= SILENCE_THRESHOLD || sample <= -SILENCE_THRESHOLD;
}
