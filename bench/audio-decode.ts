/**
 * `node --import tsx bench/audio-decode.ts`: how long the in-process audio work holds the event
 * loop for a typical prompt (5 s at 8 kHz). The target is under 2 ms per call once warm, which
 * is why AudioLoader decodes only phone-format WAVs of up to 30 s here and hands everything
 * else to ffmpeg in a child process.
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pcmFromS16le } from '../src/audio/pcm.js';
import { beep } from '../src/audio/tones.js';
import { decodeWav } from '../src/audio/wav.js';

const ffmpegWav = (codec: string, seconds: number) =>
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', `sine=f=440:d=${seconds}`, '-ar', '8000', '-c:a', codec, '-f', 'wav', 'pipe:1']);

function measure(name: string, run: () => unknown, rounds = 200): void {
  for (let i = 0; i < 50; i++) run(); // warm the JIT
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const pick = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(3);
  console.log(`${name.padEnd(44)} p50 ${pick(0.5)} ms   p99 ${pick(0.99)} ms`);
}

const pcm16 = ffmpegWav('pcm_s16le', 5);
const ulaw = ffmpegWav('pcm_mulaw', 5);
const alaw = ffmpegWav('pcm_alaw', 5);
const ulaw30 = ffmpegWav('pcm_mulaw', 30);
const raw = [pcm16.subarray(44, 40_044), pcm16.subarray(40_044)];

measure('decodeWav 5 s 16-bit PCM', () => decodeWav(pcm16));
measure('decodeWav 5 s µ-law', () => decodeWav(ulaw));
measure('decodeWav 5 s A-law', () => decodeWav(alaw));
measure('decodeWav 30 s µ-law (native limit)', () => decodeWav(ulaw30), 50);
measure('pcmFromS16le 5 s from 2 chunks (ffmpeg out)', () => pcmFromS16le(raw));
measure('beep 500 ms', () => beep());
