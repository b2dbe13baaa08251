/**
 * Audio checks for interop tests: is the far end's recording *our* audio, where does it start,
 * and is it silent afterwards. An RMS check alone would pass on noise; a normalized
 * cross-correlation near 1.0 proves the same waveform went through (G.711 only adds
 * quantization noise, about 38 dB below the signal).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import wavefile from 'wavefile';

export const SAMPLE_RATE = 8000;

export interface Correlation {
  /** Peak normalized cross-correlation over the overlap, in [-1, 1]. */
  corr: number;
  /** Where the reference starts in the recording; negative when the recording missed its start. */
  offsetMs: number;
  /** RMS of the recording (full scale = 1) where the reference lies in it. */
  rmsInside: number;
  /** RMS of the recording (full scale = 1) after the reference ends. */
  rmsAfter: number;
}

/** Longest stretch the coarse search works on (per signal, after decimation): bounds the FFT size. */
const MAX_COARSE_SAMPLES = 1 << 19;
/** The reference may start this much before the recording does (a dump that began late). */
const MAX_LEAD_MS = 1000;
/** Lags whose overlap covers less than this share of the reference are not candidates. */
const MIN_OVERLAP = 0.8;

/**
 * Finds where `reference` occurs in `recording` (both 8 kHz mono) by normalized cross-correlation.
 * The search over every lag runs through an FFT on a decimated copy, so the runtime is
 * O(n log n) and bounded by MAX_COARSE_SAMPLES whatever the input length; the best coarse lag is
 * then refined sample by sample at the full rate.
 */
export function correlate(reference: Int16Array, recording: Int16Array): Correlation {
  if (reference.length === 0 || recording.length === 0) {
    return { corr: 0, offsetMs: 0, rmsInside: 0, rmsAfter: rms(recording, 0, recording.length) };
  }
  const factor = Math.max(1, Math.ceil((reference.length + recording.length) / MAX_COARSE_SAMPLES));
  const ref = decimate(reference, factor);
  const rec = decimate(recording, factor);
  const maxLead = Math.floor((MAX_LEAD_MS * SAMPLE_RATE) / 1000 / factor);
  const coarse = bestLag(ref, rec, -maxLead, rec.length - 1);

  let { lag, corr } = coarse;
  if (factor > 1) {
    // Refine at the full rate over the lags the coarse step cannot tell apart; a handful of
    // direct dot products, each O(reference length).
    const ref = Float64Array.from(reference);
    const rec = Float64Array.from(recording);
    const refined = { lag: coarse.lag * factor, corr: -Infinity };
    for (let l = (coarse.lag - 2) * factor; l <= (coarse.lag + 2) * factor; l++) {
      const c = correlationAt(ref, rec, l);
      if (c !== null && c > refined.corr) {
        refined.lag = l;
        refined.corr = c;
      }
    }
    if (refined.corr > -Infinity) ({ lag, corr } = refined);
  }
  const start = Math.max(0, lag);
  const end = Math.min(recording.length, lag + reference.length);
  return {
    corr,
    offsetMs: (lag * 1000) / SAMPLE_RATE,
    rmsInside: rms(recording, start, end),
    rmsAfter: rms(recording, end, recording.length),
  };
}

/** Root-mean-square of `samples[start, end)`, full scale = 1. */
export function rms(samples: Int16Array, start = 0, end = samples.length): number {
  if (end <= start) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / (end - start)) / 32768;
}

/**
 * Reads a WAV file as 8 kHz mono 16-bit samples. Files in another format (baresip's sndfile dumps
 * follow the call's codec rate; espeak writes 22,050 Hz) are converted with sox first.
 */
export function readWav8k(path: string): Int16Array {
  const wav = new wavefile.WaveFile(readFileSync(path));
  const fmt = wav.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number; audioFormat: number };
  if (fmt.sampleRate === SAMPLE_RATE && fmt.numChannels === 1 && fmt.bitsPerSample === 16 && fmt.audioFormat === 1) {
    return wav.getSamples(false, Int16Array) as unknown as Int16Array;
  }
  const sox = spawnSync('sox', [path, '-t', 'raw', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-'], {
    maxBuffer: 512 * 1024 * 1024,
  });
  if (sox.status !== 0) throw new Error(`sox could not convert ${path}: ${sox.stderr?.toString().trim() ?? sox.error}`);
  return pcmFromBytes(sox.stdout);
}

/** Speech from espeak-ng, resampled by sox to 8 kHz mono 16-bit: the reference a call should carry. */
export async function espeakReference(text: string, voice = 'en'): Promise<Int16Array> {
  const wav = await pipe(['espeak-ng', '-v', voice, '--stdout', text], null);
  const raw = await pipe(['sox', '-t', 'wav', '-', '-t', 'raw', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-'], wav);
  return pcmFromBytes(raw);
}

function pcmFromBytes(bytes: Buffer): Int16Array {
  const out = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}

/** Runs `argv`, feeding `input` to stdin, and resolves with stdout; rejects on a non-zero exit. */
function pipe(argv: string[], input: Buffer | null): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {}); // a tool that exits early closes its stdin; the exit code reports it
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${argv[0]} exited ${code}: ${Buffer.concat(err).toString().trim()}`));
    });
    child.stdin.end(input ?? undefined);
  });
}

/** Normalized correlation at one lag, or null when the overlap is too short to count. */
function correlationAt(ref: Float64Array, rec: Float64Array, lag: number): number | null {
  const i0 = Math.max(0, -lag);
  const i1 = Math.min(ref.length, rec.length - lag);
  if (i1 - i0 < Math.max(1, Math.floor(ref.length * MIN_OVERLAP))) return null;
  let dot = 0;
  let eRef = 0;
  let eRec = 0;
  for (let i = i0; i < i1; i++) {
    const x = ref[i];
    const y = rec[i + lag];
    dot += x * y;
    eRef += x * x;
    eRec += y * y;
  }
  return normalized(dot, eRef, eRec, i1 - i0);
}

/**
 * dot / √(eRef·eRec), but 0 where either side is digital silence (RMS under one step): there the
 * FFT's rounding error would be divided by almost nothing and look like a perfect match.
 */
function normalized(dot: number, eRef: number, eRec: number, length: number): number {
  if (eRef < length || eRec < length) return 0;
  return dot / Math.sqrt(eRef * eRec);
}

/** Box-filter average of each `factor` samples: a crude low-pass that keeps the coarse search honest. */
function decimate(samples: Int16Array, factor: number): Float64Array {
  const out = new Float64Array(Math.ceil(samples.length / factor));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    const end = Math.min(samples.length, (i + 1) * factor);
    for (let k = i * factor; k < end; k++) sum += samples[k];
    out[i] = sum / factor;
  }
  return out;
}

/**
 * The lag in [minLag, maxLag] (recording index = reference index + lag) with the highest
 * normalized correlation over the overlapping samples. Dot products for all lags come from one
 * FFT; energies of the overlapping parts come from prefix sums.
 */
function bestLag(ref: Float64Array, rec: Float64Array, minLag: number, maxLag: number): { lag: number; corr: number; found: boolean } {
  const dots = crossCorrelate(ref, rec);
  const refEnergy = prefixEnergy(ref);
  const recEnergy = prefixEnergy(rec);
  const minOverlap = Math.max(1, Math.floor(ref.length * MIN_OVERLAP));
  let best = { lag: 0, corr: -Infinity, found: false };
  const lo = Math.max(minLag, -(ref.length - minOverlap));
  const hi = Math.min(maxLag, rec.length - minOverlap);
  for (let lag = lo; lag <= hi; lag++) {
    const i0 = Math.max(0, -lag);
    const i1 = Math.min(ref.length, rec.length - lag);
    if (i1 - i0 < minOverlap) continue;
    const eRef = refEnergy[i1] - refEnergy[i0];
    const eRec = recEnergy[i1 + lag] - recEnergy[i0 + lag];
    const corr = normalized(dots(lag), eRef, eRec, i1 - i0);
    if (corr > best.corr) best = { lag, corr, found: true };
  }
  return best.found ? best : { lag: 0, corr: 0, found: false };
}

function prefixEnergy(x: Float64Array): Float64Array {
  const p = new Float64Array(x.length + 1);
  for (let i = 0; i < x.length; i++) p[i + 1] = p[i] + x[i] * x[i];
  return p;
}

/** Returns lag ↦ Σ ref[i]·rec[i + lag], computed as IFFT(conj(FFT(ref)) · FFT(rec)). */
function crossCorrelate(ref: Float64Array, rec: Float64Array): (lag: number) => number {
  let size = 1;
  while (size < ref.length + rec.length) size <<= 1;
  const aRe = new Float64Array(size);
  const aIm = new Float64Array(size);
  const bRe = new Float64Array(size);
  const bIm = new Float64Array(size);
  aRe.set(ref);
  bRe.set(rec);
  fft(aRe, aIm, false);
  fft(bRe, bIm, false);
  for (let k = 0; k < size; k++) {
    const re = aRe[k] * bRe[k] + aIm[k] * bIm[k];
    const im = aRe[k] * bIm[k] - aIm[k] * bRe[k];
    aRe[k] = re;
    aIm[k] = im;
  }
  fft(aRe, aIm, true);
  return (lag) => aRe[(lag + size) % size] / size;
}

/** In-place iterative radix-2 FFT; `inverse` flips the twiddle sign (the caller divides by n). */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / len;
    const wRe = Math.cos(angle);
    const wIm = Math.sin(angle);
    for (let start = 0; start < n; start += len) {
      let cRe = 1;
      let cIm = 0;
      for (let k = 0; k < len >> 1; k++) {
        const a = start + k;
        const b = a + (len >> 1);
        const tRe = re[b] * cRe - im[b] * cIm;
        const tIm = re[b] * cIm + im[b] * cRe;
        re[b] = re[a] - tRe;
        im[b] = im[a] - tIm;
        re[a] += tRe;
        im[a] += tIm;
        const nextRe = cRe * wRe - cIm * wIm;
        cIm = cRe * wIm + cIm * wRe;
        cRe = nextRe;
      }
    }
  }
}

/** Power of one frequency in 8 kHz PCM (the Goertzel algorithm), per sample: for tone checks. */
export function tonePower(pcm: Int16Array, hz: number): number {
  const c = 2 * Math.cos((2 * Math.PI * hz) / 8000);
  let s1 = 0;
  let s2 = 0;
  for (const x of pcm) {
    const s = x + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / Math.max(1, pcm.length);
}
