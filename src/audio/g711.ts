import alawmulaw from 'alawmulaw';

/**
 * G.711 (ITU-T G.711) for the two static payload types of RFC 3551 §6: 0 = PCMU (μ-law),
 * 8 = PCMA (A-law). The codec itself is `alawmulaw`; its per-sample functions fill lookup
 * tables once per thread, so encoding a 160-sample frame is 160 array reads with no allocation
 * (the library's array functions allocate a new array per call).
 */
export type G711PayloadType = 0 | 8;

/** The encoded silence byte per payload type: μ-law 0xFF and A-law 0xD5 both decode to 0. */
export function silenceByte(pt: G711PayloadType): number {
  return pt === 0 ? 0xff : 0xd5;
}

interface Tables {
  encode: Uint8Array; // indexed by (sample & 0xffff)
  decode: Int16Array; // indexed by the code byte
}

const tables = new Map<G711PayloadType, Tables>();

function tablesFor(pt: G711PayloadType): Tables {
  let t = tables.get(pt);
  if (t) return t;
  const codec = pt === 0 ? alawmulaw.mulaw : alawmulaw.alaw;
  const encode = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) encode[i] = codec.encodeSample((i << 16) >> 16) & 0xff;
  const decode = new Int16Array(256);
  for (let i = 0; i < 256; i++) decode[i] = codec.decodeSample(i);
  t = { encode, decode };
  tables.set(pt, t);
  return t;
}

/**
 * Encodes `count` samples of `pcm` from `from` into `out` at `at`. Samples past the end of
 * `pcm` are encoded as silence, so the last partial frame of a prompt is padded.
 */
export function encodeG711(
  pt: G711PayloadType,
  pcm: Int16Array,
  from: number,
  out: Uint8Array,
  at: number,
  count: number,
): void {
  const enc = tablesFor(pt).encode;
  const available = Math.max(0, Math.min(count, pcm.length - from));
  for (let i = 0; i < available; i++) out[at + i] = enc[pcm[from + i] & 0xffff];
  if (available < count) out.fill(silenceByte(pt), at + available, at + count);
}

/** Decodes `payload` into `out` (which must hold payload.length samples). */
export function decodeG711(pt: G711PayloadType, payload: Uint8Array, out: Int16Array): void {
  const dec = tablesFor(pt).decode;
  for (let i = 0; i < payload.length; i++) out[i] = dec[payload[i]];
}
