import { decodeG711 } from './g711.js';
import { pcmFromS16le, SAMPLE_RATE, sharedPcm } from './pcm.js';

/**
 * RIFF/WAVE helpers (Microsoft RIFF spec; WAVE_FORMAT codes from RFC 2361): read the `fmt `
 * and `data` chunks, decode the formats a phone call can use without resampling, and write
 * 16-bit PCM files (recordings).
 *
 * Why not the `wavefile` package here: on this machine its parser took 5–38 ms for a 5 s
 * G.711 WAV even with sample loading off, which would stall SIP signalling and the HTTP API on
 * the main thread. This chunk walk plus the media engine's 256-entry G.711 tables decodes the
 * same file in about 0.3 ms once warm (bench/audio-decode.ts).
 */
export interface WavInfo {
  /** WAVE_FORMAT tag: 1 PCM, 3 IEEE float, 6 A-law, 7 µ-law (resolved through WAVE_FORMAT_EXTENSIBLE). */
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Where the sample bytes start. */
  dataOffset: number;
  /** Sample bytes present: the declared size, capped by what the buffer holds. */
  dataBytes: number;
}

export const WAVE_FORMAT_PCM = 1;
export const WAVE_FORMAT_ALAW = 6;
export const WAVE_FORMAT_MULAW = 7;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** The header of a RIFF/WAVE file, or undefined when `bytes` is not one (or has no data chunk). */
export function readWavInfo(bytes: Uint8Array): WavInfo | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes'> | undefined;
  for (let at = 12; at + 8 <= buf.length; ) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= buf.length) {
      let format = buf.readUInt16LE(body);
      // The sub-format GUID starts with the plain format tag (WAVEFORMATEXTENSIBLE, cbSize 22).
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= buf.length) format = buf.readUInt16LE(body + 24);
      fmt = { format, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bitsPerSample: buf.readUInt16LE(body + 14) };
    }
    if (id === 'data') {
      if (!fmt) return undefined;
      // Streamed WAVs (espeak-ng --stdout, live encoders) declare 0 or a huge size: trust the bytes.
      return { ...fmt, dataOffset: body, dataBytes: Math.min(size === 0 ? Infinity : size, buf.length - body) };
    }
    at = body + size + (size & 1); // chunks are padded to an even length
  }
  return undefined;
}

/** True when the WAV is 8 kHz mono in a format `decodeWav` turns into PCM without resampling. */
export function isPhoneWav(info: WavInfo): boolean {
  if (info.sampleRate !== SAMPLE_RATE || info.channels !== 1) return false;
  if (info.format === WAVE_FORMAT_PCM) return info.bitsPerSample === 16;
  return (info.format === WAVE_FORMAT_MULAW || info.format === WAVE_FORMAT_ALAW) && info.bitsPerSample === 8;
}

/**
 * Shared 8 kHz PCM from an 8 kHz mono WAV in 16-bit PCM, µ-law or A-law; undefined for any
 * other WAV (another rate, stereo, float, ADPCM…), which needs a resampler such as ffmpeg.
 */
export function decodeWav(bytes: Uint8Array): Int16Array | undefined {
  const info = readWavInfo(bytes);
  if (!info || !isPhoneWav(info)) return undefined;
  const data = bytes.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
  if (info.format === WAVE_FORMAT_PCM) return pcmFromS16le(data);
  // The RTP payload types of the same codecs (RFC 3551): 0 is µ-law, 8 is A-law.
  const pcm = sharedPcm(data.length);
  decodeG711(info.format === WAVE_FORMAT_MULAW ? 0 : 8, data, pcm);
  return pcm;
}

/**
 * The 44-byte header of a 16-bit PCM WAV holding `dataBytes` of samples. A recording streamed
 * to disk writes it first with the size unknown (0) and rewrites it when the call ends.
 */
export function wavHeader(dataBytes: number, sampleRate = SAMPLE_RATE, channels = 1): Buffer {
  const header = Buffer.alloc(44);
  const blockAlign = channels * 2;
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return header;
}

/** A complete 8 kHz mono 16-bit WAV file of `pcm`. */
export function encodeWav(pcm: Int16Array, sampleRate = SAMPLE_RATE): Buffer {
  const file = Buffer.alloc(44 + pcm.byteLength);
  wavHeader(pcm.byteLength, sampleRate).copy(file, 0);
  file.set(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength), 44);
  return file;
}
