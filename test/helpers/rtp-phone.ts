import { createSocket, type Socket } from 'node:dgram';
import { writeTelephoneEvent } from '../../src/sip/rtp/rfc4733.js';
import { parseRtpPacket, writeRtpHeader, type RtpPacket } from '../../src/sip/rtp/rtp-packet.js';

export interface Received extends RtpPacket {
  at: number;
}

/** The far end of an RTP stream in tests: a UDP socket on 127.0.0.1 that records what it gets. */
export class RtpPhone {
  readonly packets: Received[] = [];
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  private sequence = 1000;

  private constructor(private readonly socket: Socket) {
    socket.on('error', () => {});
    socket.on('message', (msg) => {
      const p = parseRtpPacket(Buffer.from(msg));
      if (!p) return;
      this.packets.push({ ...p, at: performance.now() });
      this.waiters = this.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
    });
  }

  static async open(): Promise<RtpPhone> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RtpPhone(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Resolves once `test` holds, checked after every packet; rejects after `timeoutMs`. */
  until(test: () => boolean, timeoutMs = 5000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('RtpPhone: condition not met in time')), timeoutMs);
      this.waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Resolves when `count` more packets have arrived. */
  next(count: number, timeoutMs?: number): Promise<Received[]> {
    const from = this.packets.length;
    return this.until(() => this.packets.length >= from + count, timeoutMs).then(() => this.packets.slice(from, from + count));
  }

  send(to: number, header: { marker?: boolean; payloadType: number; timestamp: number; ssrc: number }, payload: Uint8Array): void {
    const buf = Buffer.alloc(12 + payload.length);
    writeRtpHeader(buf, { marker: header.marker ?? false, payloadType: header.payloadType, sequence: this.sequence++, timestamp: header.timestamp, ssrc: header.ssrc });
    buf.set(payload, 12);
    this.socket.send(buf, to, '127.0.0.1');
  }

  /** One key press as a sender following RFC 4733 does it: updates every 20 ms, then three end packets. */
  sendKeyPress(to: number, event: number, timestamp: number, ssrc: number, pt = 101): void {
    for (let i = 1; i <= 5; i++) {
      const end = i === 5;
      const payload = new Uint8Array(4);
      writeTelephoneEvent(payload, 0, { event, end, volume: 10, duration: i * 160 });
      for (let copies = end ? 3 : 1; copies > 0; copies--) this.send(to, { marker: i === 1, payloadType: pt, timestamp, ssrc }, payload);
    }
  }

  close(): void {
    this.socket.close();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
