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

/** Number of samples in a recording file written by `writeWav` (or any 44-byte-header PCM WAV). */
export async function wavSamples(path: string): Promise<number> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return Math.max(0, Math.floor((size - WAV_HEADER_BYTES) / BYTES_PER_SAMPLE));
  } finally {
    await file.close();
  }
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
