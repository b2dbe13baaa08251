/**
 * In-band DTMF as a phone sends it (ITU-T Q.23 pairs, RFC 4733 §3.2 keys): test audio for a
 * far end that has no telephone-event, e.g. a sipp pcap. 8 kHz mono PCM.
 */
const PAIRS: Record<string, readonly [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};
/** About -10 dBm0 per tone (0 dBm0 is a sine 3.17 dB below full scale). */
const PEAK = 32767 * 10 ** (-13.17 / 20);

export const silence = (ms: number): Int16Array => new Int16Array(ms * 8);

/** Each key a 100 ms dual tone then 100 ms of silence. */
export function dtmfAudio(keys: string): Int16Array {
  const out = new Int16Array(keys.length * 1600);
  [...keys].forEach((key, k) => {
    const [low, high] = PAIRS[key.toUpperCase()]!;
    for (let n = 0; n < 800; n++) {
      out[k * 1600 + n] = Math.round(PEAK * (Math.sin((2 * Math.PI * low * n) / 8000) + Math.sin((2 * Math.PI * high * n) / 8000)));
    }
  });
  return out;
}

export function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
