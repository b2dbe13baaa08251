import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DTMF_KEYS, writeDualTone } from '../src/sip/rtp/dtmf.js';
import { InbandDtmfDetector } from '../src/sip/rtp/goertzel.js';

function detect(pcm: Int16Array, chunk = 160): string {
  let keys = '';
  const d = new InbandDtmfDetector((k) => (keys += k));
  for (let i = 0; i < pcm.length; i += chunk) {
    const part = pcm.subarray(i, Math.min(pcm.length, i + chunk));
    d.push(part);
  }
  return keys;
}

/** Each key as `toneMs` of dual tone scaled by `gain`, then `gapMs` of silence. */
function tones(keys: string, toneMs = 100, gapMs = 100, gain = 1): Int16Array {
  const tone = toneMs * 8;
  const step = tone + gapMs * 8;
  const out = new Int16Array(keys.length * step);
  [...keys].forEach((k, i) => writeDualTone(k, out, i * step, tone));
  if (gain !== 1) for (let i = 0; i < out.length; i++) out[i] = Math.round(out[i] * gain);
  return out;
}

/** A seeded pseudo-random generator, so the noise is the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe('in-band DTMF (Goertzel, N = 205)', () => {
  it('detects each of the 16 keys once from a 100 ms tone', () => {
    for (const key of DTMF_KEYS) assert.equal(detect(tones(key)), key, `key ${key}`);
  });

  it('detects a sequence of keys in order, including a repeated key and quiet 70 ms tones', () => {
    assert.equal(detect(tones('1159#')), '1159#');
    assert.equal(detect(tones('20', 70, 80, 0.2)), '20'); // about −25 dBm0 per tone
  });

  it('one long tone is one key press', () => {
    assert.equal(detect(tones('8', 1000, 100)), '8');
  });

  it('silence, white noise and a voiced speech-like signal give no key', () => {
    assert.equal(detect(new Int16Array(8000 * 2)), '');
    const rnd = random(7);
    const noise = Int16Array.from({ length: 8000 * 3 }, () => Math.round((rnd() - 0.5) * 16000));
    assert.equal(detect(noise), '');
    // Vowel-like: a gliding pitch (90–220 Hz) with formant-weighted harmonics plus breath noise.
    const speech = new Int16Array(8000 * 5);
    let phase = 0;
    for (let i = 0; i < speech.length; i++) {
      const t = i / 8000;
      const f0 = 155 + 65 * Math.sin(2 * Math.PI * 0.7 * t) * Math.sin(2 * Math.PI * 0.23 * t);
      phase += (2 * Math.PI * f0) / 8000;
      let s = 0;
      for (let h = 1; h * f0 < 3400; h++) {
        const f = h * f0;
        const formants = Math.exp(-(((f - 700) / 200) ** 2)) + 0.6 * Math.exp(-(((f - 1200) / 250) ** 2)) + 0.3 * Math.exp(-(((f - 2500) / 300) ** 2));
        s += (formants + 0.05) * Math.sin(h * phase);
      }
      speech[i] = Math.max(-32768, Math.min(32767, Math.round(4000 * s + (rnd() - 0.5) * 800)));
    }
    assert.equal(detect(speech), '');
  });

  it('two tones of one group, or a single tone, are not a key', () => {
    const out = new Int16Array(1600);
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.round(6000 * (Math.sin((2 * Math.PI * 697 * i) / 8000) + Math.sin((2 * Math.PI * 852 * i) / 8000)));
    }
    assert.equal(detect(out), '');
    const single = Int16Array.from({ length: 1600 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1336 * i) / 8000)));
    assert.equal(detect(single), '');
  });
});
