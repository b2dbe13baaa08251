/**
 * A UDP socket that collects RTP (RFC 3550) sent to it, for tests that check what a peer put on
 * the wire: the G.711 audio per payload type and RFC 4733 telephone-events.
 */
import { createSocket } from 'node:dgram';
import alawmulaw from 'alawmulaw';
import { LOOPBACK } from './ports.js';

export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
  receivedAt: number;
}

/** One key press: RFC 4733 §2.3 event codes 0-9, 10 = *, 11 = #, 12-15 = A-D. */
export interface TelephoneEvent {
  digit: string;
  timestamp: number;
  /** In timestamp units (1/8000 s), from the last packet seen for the event. */
  duration: number;
  ended: boolean;
}

export interface RtpSink {
  port: number;
  packets: RtpPacket[];
  /** Key presses, one per RTP timestamp (RFC 4733 §2.5.1.3: repeated and end packets share it). */
  telephoneEvents(payloadType?: number): TelephoneEvent[];
  /** Decoded PCMU (0) or PCMA (8) payloads in arrival order, as 8 kHz samples. */
  audio(payloadType: 0 | 8): Int16Array;
  close(): Promise<void>;
}

const DIGITS = '0123456789*#ABCD';

export function startRtpSink(): Promise<RtpSink> {
  const socket = createSocket('udp4');
  const packets: RtpPacket[] = [];
  socket.on('message', (message) => {
    const packet = parseRtp(message);
    if (packet) packets.push(packet);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, LOOPBACK, () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // ICMP errors on loopback are not the test's concern
      resolve({
        port: socket.address().port,
        packets,
        telephoneEvents: (payloadType = 101) => telephoneEvents(packets.filter((p) => p.payloadType === payloadType)),
        audio: (payloadType) => {
          const bytes = Buffer.concat(packets.filter((p) => p.payloadType === payloadType).map((p) => p.payload));
          return payloadType === 8 ? alawmulaw.alaw.decode(bytes) : alawmulaw.mulaw.decode(bytes);
        },
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}

/** The fixed header, CSRCs, header extension and padding removed (RFC 3550 §5.1, §5.3.1); null if not RTP v2. */
export function parseRtp(message: Buffer): RtpPacket | null {
  if (message.length < 12 || message[0] >> 6 !== 2) return null;
  let offset = 12 + 4 * (message[0] & 0x0f);
  if (message[0] & 0x10) {
    if (message.length < offset + 4) return null;
    offset += 4 + 4 * message.readUInt16BE(offset + 2);
  }
  let end = message.length;
  if (message[0] & 0x20) end -= message[message.length - 1];
  if (end < offset) return null;
  return {
    payloadType: message[1] & 0x7f,
    marker: (message[1] & 0x80) !== 0,
    sequence: message.readUInt16BE(2),
    timestamp: message.readUInt32BE(4),
    ssrc: message.readUInt32BE(8),
    payload: message.subarray(offset, end),
    receivedAt: Date.now(),
  };
}

function telephoneEvents(packets: RtpPacket[]): TelephoneEvent[] {
  const byTimestamp = new Map<string, TelephoneEvent>();
  for (const packet of packets) {
    if (packet.payload.length < 4) continue;
    const key = `${packet.ssrc}:${packet.timestamp}`;
    const event: TelephoneEvent = {
      digit: DIGITS[packet.payload[0]] ?? `event${packet.payload[0]}`,
      timestamp: packet.timestamp,
      duration: packet.payload.readUInt16BE(2),
      ended: (packet.payload[1] & 0x80) !== 0,
    };
    const seen = byTimestamp.get(key);
    if (!seen || event.duration >= seen.duration) byTimestamp.set(key, { ...event, ended: event.ended || (seen?.ended ?? false) });
  }
  return [...byTimestamp.values()];
}
