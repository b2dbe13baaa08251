import { isIP, isIPv6 } from 'node:net';
import { parse, type MediaDescription, type SessionDescription } from 'sdp-transform';

/**
 * SDP offer/answer for G.711 audio (RFC 3264, SDP syntax RFC 4566, DTMF events RFC 4733).
 * Incoming SDP is parsed with `sdp-transform`; ours is written from a fixed template, which is
 * easier to check than a serialiser's output (sip-media-notes, pitfalls 11–15).
 */

/** Our side of the stream: where we receive RTP, and the `o=` identity of our SDP. */
export interface LocalMedia {
  address: string;
  port: number;
  sessionId: string;
  /** `o=` session version: the caller increments it whenever our SDP changes (RFC 3264 §8). */
  version: number;
}

export interface NegotiatedMedia {
  remoteAddress: string;
  remotePort: number;
  payloadType: 0 | 8;
  codec: 'PCMU' | 'PCMA';
  /** The peer's RFC 4733 payload type, when it offered/accepted telephone-event/8000. */
  telephoneEventPt?: number;
  /** From OUR side: may we send / should we expect to receive. */
  send: boolean;
  receive: boolean;
}

export type Codec = 'PCMU' | 'PCMA';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const STATIC_PT: Record<Codec, 0 | 8> = { PCMU: 0, PCMA: 8 };
const CODEC_OF_PT: Record<number, Codec> = { 0: 'PCMU', 8: 'PCMA' };
/** The telephone-event payload type we offer (the common choice: sipp, baresip). */
export const OUR_TELEPHONE_EVENT_PT = 101;
/** DTMF 0-9 * # A-D and flash (RFC 4733 §3.2). */
const OUR_EVENTS = '0-16';
/** We send 20 ms packets and ask for the same (RFC 4566 §6 `ptime`). */
const PTIME = 20;

/**
 * Our offer: one audio stream with `codecs` in preference order (default PCMU, then PCMA),
 * telephone-event on PT 101, 20 ms packets. `direction` is for hold by re-INVITE: `sendonly`
 * (we hold them) or `inactive`; RFC 3264 §8.4.
 */
export function createOffer(local: LocalMedia, codecs: Codec[] = ['PCMU', 'PCMA'], direction: Direction = 'sendrecv'): string {
  if (codecs.length === 0) throw new RangeError('createOffer needs at least one codec');
  const pts = [...new Set(codecs)].map((codec) => STATIC_PT[codec]);
  return sdp(local, [
    `m=audio ${local.port} RTP/AVP ${[...pts, OUR_TELEPHONE_EVENT_PT].join(' ')}`,
    ...pts.map((pt) => `a=rtpmap:${pt} ${CODEC_OF_PT[pt]}/8000`),
    `a=rtpmap:${OUR_TELEPHONE_EVENT_PT} telephone-event/8000`,
    `a=fmtp:${OUR_TELEPHONE_EVENT_PT} ${OUR_EVENTS}`,
    `a=ptime:${PTIME}`,
    `a=${direction}`,
  ]);
}

/**
 * Answers an offer (RFC 3264 §6). The first audio stream we can take (RTP/AVP with PCMU or
 * PCMA, picked in the offerer's order) is accepted; every other m= line is refused with port 0,
 * keeping the offer's count and order (§6). Hold is mirrored: `sendonly` → `recvonly`,
 * `recvonly` → `sendonly`, `inactive` → `inactive`, and `c=0.0.0.0` (RFC 2543 hold, §8.4) means
 * the offerer receives nothing, so we do not send.
 *
 * 488 (Not Acceptable Here) when the SDP cannot be read or nothing in it is usable.
 */
export function answerOffer(
  offer: string,
  local: LocalMedia,
): { sdp: string; media: NegotiatedMedia } | { error: 488; reason: string } {
  const found = chooseOffered(offer);
  if ('error' in found) return found;
  const { session, chosen } = found;
  const { media, events } = chosen;
  const lines = session.media.flatMap((m, index) => {
    if (index !== chosen!.index) return [`m=${m.type} 0 ${m.protocol} ${String(m.payloads ?? '').trim() || '0'}`];
    const pts = media.telephoneEventPt === undefined ? [media.payloadType] : [media.payloadType, media.telephoneEventPt];
    return [
      `m=audio ${local.port} RTP/AVP ${pts.join(' ')}`,
      `a=rtpmap:${media.payloadType} ${media.codec}/8000`,
      ...(media.telephoneEventPt === undefined
        ? []
        : [`a=rtpmap:${media.telephoneEventPt} telephone-event/8000`, `a=fmtp:${media.telephoneEventPt} ${events ?? OUR_EVENTS}`]),
      `a=ptime:${PTIME}`,
      `a=${directionOf(media.send, media.receive)}`,
    ];
  });
  return { sdp: sdp(local, lines), media };
}

/**
 * Why an offer cannot be answered (it would get 488), or undefined when it can: checked as the
 * INVITE arrives, so that an unusable offer is refused before a call exists.
 */
export function offerProblem(offer: string): string | undefined {
  const found = chooseOffered(offer);
  return 'error' in found ? found.reason : undefined;
}

/** The first audio stream of an offer that we can take, or why there is none (488). */
function chooseOffered(offer: string):
  | { session: SessionDescription; chosen: { index: number; media: NegotiatedMedia; events?: string } }
  | { error: 488; reason: string } {
  const session = parseSdp(offer);
  // An unreadable body is an unacceptable offer (488), not a malformed SIP message (400).
  if (typeof session === 'string') return { error: 488, reason: session };
  if (session.media.length === 0) return { error: 488, reason: 'the offer has no media stream' };
  /** Why the first audio stream we could not use was refused, when no stream is usable. */
  let problem: string | undefined;
  for (const [index, m] of session.media.entries()) {
    const usable = acceptableAudio(session, m);
    if (typeof usable === 'string') problem ??= usable;
    else if (usable) return { session, chosen: { index, ...usable } };
  }
  return { error: 488, reason: problem ?? 'no audio stream offers PCMU or PCMA over RTP/AVP' };
}

/** Reads the peer's answer to our offer: the first m= line is our audio stream (RFC 3264 §6). */
export function readAnswer(answer: string): NegotiatedMedia | { error: string } {
  const session = parseSdp(answer);
  if (typeof session === 'string') return { error: session };
  const m = session.media[0];
  if (!m || m.type !== 'audio') return { error: 'the answer has no audio stream' };
  if (m.port === 0) return { error: 'the answer refused the audio stream (port 0)' };
  const usable = acceptableAudio(session, m);
  if (typeof usable === 'string') return { error: usable };
  if (!usable) return { error: 'the answer accepted neither PCMU nor PCMA' };
  return usable.media;
}

/** Parsed SDP, or why it is not SDP. sdp-transform never throws: it skips what it cannot read. */
function parseSdp(text: string): SessionDescription | string {
  let session: SessionDescription;
  try {
    session = parse(text);
  } catch (error) {
    return `unreadable SDP: ${(error as Error).message}`;
  }
  if (session.version !== 0 || !session.origin) return 'not SDP: missing v=0 or o= line';
  for (const m of session.media) {
    if (typeof m.type !== 'string' || !Number.isInteger(m.port) || typeof m.protocol !== 'string') return 'malformed m= line';
  }
  return session;
}

/**
 * What we would negotiate on this m= line; undefined when it is not audio we can take; a
 * string when it is audio we could take but the SDP is broken (no connection address).
 */
function acceptableAudio(session: SessionDescription, m: MediaDescription): { media: NegotiatedMedia; events?: string } | undefined | string {
  if (m.type !== 'audio' || m.port === 0 || m.protocol.toUpperCase() !== 'RTP/AVP') return undefined;
  // sdp-transform turns every all-digit field into a number: a lone payload type, a codec
  // named "123", an fmtp of "15", even c= "1". Everything read from it goes through String().
  const pts = String(m.payloads ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const rtpmap = (pt: number) => m.rtp.find((r) => r.payload === pt);
  // Static 0 and 8 need no rtpmap (RFC 3551 table 4); when present it must agree.
  const payloadType = pts.find((pt): pt is 0 | 8 => {
    if (pt !== 0 && pt !== 8) return false;
    const map = rtpmap(pt);
    return !map || (String(map.codec).toUpperCase() === CODEC_OF_PT[pt] && map.rate === 8000 && Number(map.encoding ?? 1) === 1);
  });
  if (payloadType === undefined) return undefined;
  // telephone-event is always a dynamic payload type (RFC 4733 §7.1.1, RFC 3551 §3): 96–127.
  const telephoneEventPt = pts.find((pt) => {
    const map = rtpmap(pt);
    return pt >= 96 && pt <= 127 && map !== undefined && String(map.codec).toLowerCase() === 'telephone-event' && map.rate === 8000;
  });
  const ip = (m.connection ?? session.connection)?.ip;
  const address = ip === undefined ? '' : String(ip);
  if (!address) return 'the audio stream has no c= connection address';
  // RTP goes to an IP literal; a host name in c= (RFC 4566 allows it) would need a DNS lookup
  // on the media path, so such a stream is not usable.
  if (!isIP(address)) return `the audio stream's c= address "${address}" is not an IP address`;
  if (!Number.isInteger(m.port) || m.port < 1 || m.port > 65535) return `the audio stream's port ${m.port} is not a UDP port`;
  const direction = (m.direction ?? session.direction ?? 'sendrecv') as Direction;
  const peerSends = direction === 'sendrecv' || direction === 'sendonly';
  const peerReceives = (direction === 'sendrecv' || direction === 'recvonly') && address !== '0.0.0.0';
  const config = telephoneEventPt === undefined ? undefined : m.fmtp.find((f) => f.payload === telephoneEventPt)?.config;
  const events = config === undefined ? undefined : String(config);
  return {
    media: {
      remoteAddress: address,
      remotePort: m.port,
      payloadType,
      codec: CODEC_OF_PT[payloadType],
      ...(telephoneEventPt === undefined ? {} : { telephoneEventPt }),
      send: peerReceives,
      receive: peerSends,
    },
    events,
  };
}

function directionOf(send: boolean, receive: boolean): Direction {
  return send ? (receive ? 'sendrecv' : 'sendonly') : receive ? 'recvonly' : 'inactive';
}

/** Our session-level lines around `media` (RFC 4566 §5 order: v o s c t, then m= sections). */
function sdp(local: LocalMedia, media: string[]): string {
  const ip = isIPv6(local.address) ? 'IP6' : 'IP4';
  return [
    'v=0',
    `o=- ${local.sessionId} ${local.version} IN ${ip} ${local.address}`,
    's=Switchboard',
    `c=IN ${ip} ${local.address}`,
    't=0 0',
    ...media,
    '',
  ].join('\r\n');
}
