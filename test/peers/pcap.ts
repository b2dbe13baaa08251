/**
 * Test-time audio fixtures, so no binary file is committed: a pcap of 20 ms G.711 RTP frames for
 * sipp's `play_pcap_audio`, and 8 kHz WAV files (espeak-ng speech, padded with silence) for
 * baresip's aufile source.
 *
 * sipp replays the pcap's UDP payloads to the c=/m= address of the far end's SDP at the
 * capture's timing; it rewrites the UDP ports but not the RTP header, so SSRC, sequence numbers
 * and timestamps are the ones written here (RFC 3550 §5.1).
 */
import { writeFileSync } from 'node:fs';
import alawmulaw from 'alawmulaw';
import wavefile from 'wavefile';
import { SAMPLE_RATE, espeakReference } from './audio-compare.js';

export type G711 = 'PCMU' | 'PCMA';

export interface RtpPcapOptions {
  /** PCMU → payload type 0, PCMA → 8 (RFC 3551 table 4). Default PCMU. */
  codec?: G711;
  ssrc?: number;
  firstSeq?: number;
  firstTimestamp?: number;
}

/** 20 ms of 8 kHz audio: 160 samples, one RTP packet. */
export const FRAME_SAMPLES = 160;
const FRAME_US = 20_000;
const LINKTYPE_ETHERNET = 1;

/**
 * A libpcap file (Ethernet / IPv4 / UDP / RTP) with one packet per 20 ms of `pcm`. The last
 * partial frame is padded with silence. The marker bit is set on the first packet only
 * (start of a talkspurt, RFC 3551 §4.1).
 */
export function buildRtpPcap(pcm: Int16Array, options: RtpPcapOptions = {}): Buffer {
  const payloadType = options.codec === 'PCMA' ? 8 : 0;
  const frames = Math.ceil(pcm.length / FRAME_SAMPLES);
  const padded = new Int16Array(frames * FRAME_SAMPLES);
  padded.set(pcm);
  const encoded = payloadType === 8 ? alawmulaw.alaw.encode(padded) : alawmulaw.mulaw.encode(padded);
  const ssrc = options.ssrc ?? 0x5b0a_5b0a;
  let seq = options.firstSeq ?? 1000;
  let timestamp = options.firstTimestamp ?? 0;

  const parts: Buffer[] = [pcapGlobalHeader()];
  for (let i = 0; i < frames; i++) {
    const rtp = Buffer.alloc(12 + FRAME_SAMPLES);
    rtp[0] = 0x80; // V=2, no padding, no extension, no CSRC
    rtp[1] = (i === 0 ? 0x80 : 0) | payloadType;
    rtp.writeUInt16BE(seq, 2);
    rtp.writeUInt32BE(timestamp >>> 0, 4);
    rtp.writeUInt32BE(ssrc >>> 0, 8);
    rtp.set(encoded.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES), 12);
    seq = (seq + 1) & 0xffff;
    timestamp = (timestamp + FRAME_SAMPLES) >>> 0;
    const frame = ethernetIpv4Udp(rtp, i);
    parts.push(pcapRecordHeader(i * FRAME_US, frame.length), frame);
  }
  return Buffer.concat(parts);
}

export function writeRtpPcap(path: string, pcm: Int16Array, options: RtpPcapOptions = {}): void {
  writeFileSync(path, buildRtpPcap(pcm, options));
}

/** Writes 8 kHz mono 16-bit PCM as a WAV file (the format baresip's aufile needs for G.711). */
export function writeWav8k(path: string, pcm: Int16Array): void {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, SAMPLE_RATE, '16', pcm);
  writeFileSync(path, wav.toBuffer());
}

/** `pcm` followed by silence up to `totalMs` (never shortened). */
export function padWithSilence(pcm: Int16Array, totalMs: number): Int16Array {
  const length = Math.max(pcm.length, Math.round((totalMs * SAMPLE_RATE) / 1000));
  const out = new Int16Array(length);
  out.set(pcm);
  return out;
}

/** A sine tone at `amplitude` (of 32767), e.g. to build a simple, recognisable pcap. */
export function tone(frequencyHz: number, durationMs: number, amplitude = 8000): Int16Array {
  const out = new Int16Array(Math.round((durationMs * SAMPLE_RATE) / 1000));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / SAMPLE_RATE));
  return out;
}

/**
 * espeak-ng speech as an 8 kHz WAV at `path`, padded with silence to `padToMs` when given
 * (baresip's aufile hangs the call up at end of file, so pad to the call's length). Resolves with
 * the unpadded speech: the reference to correlate recordings against.
 */
export async function espeakWavFixture(path: string, text: string, options: { voice?: string; padToMs?: number } = {}): Promise<Int16Array> {
  const speech = await espeakReference(text, options.voice);
  writeWav8k(path, options.padToMs === undefined ? speech : padWithSilence(speech, options.padToMs));
  return speech;
}

function pcapGlobalHeader(): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0); // microsecond timestamps, little-endian
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16); // snaplen
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  return header;
}

function pcapRecordHeader(offsetUs: number, length: number): Buffer {
  const header = Buffer.alloc(16);
  const epochSeconds = 1_700_000_000;
  header.writeUInt32LE(epochSeconds + Math.floor(offsetUs / 1e6), 0);
  header.writeUInt32LE(offsetUs % 1e6, 4);
  header.writeUInt32LE(length, 8);
  header.writeUInt32LE(length, 12);
  return header;
}

/** Wraps an RTP packet in Ethernet II, IPv4 (127.0.0.1 → 127.0.0.1) and UDP headers. */
function ethernetIpv4Udp(rtp: Buffer, index: number): Buffer {
  const ethernet = Buffer.alloc(14);
  ethernet.writeUInt16BE(0x0800, 12); // EtherType IPv4
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(30000, 0); // sipp replaces both ports
  udp.writeUInt16BE(30002, 2);
  udp.writeUInt16BE(8 + rtp.length, 4); // checksum 0: none (RFC 768)
  const ip = Buffer.alloc(20);
  ip[0] = 0x45; // IPv4, 5-word header
  ip.writeUInt16BE(20 + udp.length + rtp.length, 2);
  ip.writeUInt16BE(index & 0xffff, 4);
  ip[8] = 64; // TTL
  ip[9] = 17; // UDP
  ip.set([127, 0, 0, 1], 12);
  ip.set([127, 0, 0, 1], 16);
  ip.writeUInt16BE(ipv4Checksum(ip), 10);
  return Buffer.concat([ethernet, ip, udp, rtp]);
}

/** RFC 791 header checksum: one's complement of the one's-complement sum of 16-bit words. */
function ipv4Checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}
