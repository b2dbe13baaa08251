import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { wavHeader } from '../../audio/wav.js';

/**
 * A WAV file (RIFF, PCM format 1) of 8 kHz mono signed 16-bit samples, streamed to disk: the
 * 44-byte header goes first with zero sizes, and the RIFF and data sizes are patched at close.
 * Nothing is held in memory and nothing blocks the media thread (sip-media-notes pitfall 20).
 */
export const WAV_HEADER_BYTES = 44;

export class WavWriter {
  private readonly out: WriteStream;
  private samples = 0;
  private failure: Error | undefined;
  private closing: Promise<number> | undefined;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
    this.out.on('error', (err) => {
      this.failure ??= err;
    });
    this.out.write(wavHeader(0));
  }

  /** Samples written so far. */
  get length(): number {
    return this.samples;
  }

  /** Appends samples; the array may be reused by the caller as soon as this returns. */
  write(pcm: Int16Array): void {
    if (this.closing || this.failure || pcm.length === 0) return;
    const bytes = Buffer.alloc(pcm.length * 2);
    for (let i = 0; i < pcm.length; i++) bytes.writeInt16LE(pcm[i], i * 2);
    this.out.write(bytes);
    this.samples += pcm.length;
  }

  /** Appends `count` samples of silence. */
  writeSilence(count: number): void {
    if (this.closing || this.failure || count <= 0) return;
    this.out.write(Buffer.alloc(count * 2));
    this.samples += count;
  }

  /** Flushes, patches the header sizes and resolves with the number of samples. Idempotent. */
  close(): Promise<number> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<number> {
    await new Promise<void>((resolve) => {
      if (this.out.destroyed) return resolve();
      this.out.end(() => resolve());
      this.out.once('error', () => resolve());
    });
    if (this.failure) throw this.failure;
    const file = await open(this.path, 'r+');
    try {
      const dataBytes = this.samples * 2;
      const sizes = Buffer.alloc(4);
      sizes.writeUInt32LE(36 + dataBytes);
      await file.write(sizes, 0, 4, 4);
      sizes.writeUInt32LE(dataBytes);
      await file.write(sizes, 0, 4, 40);
    } finally {
      await file.close();
    }
    return this.samples;
  }
}
