import { randomInt } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { decodeG711, encodeG711, silenceByte, type G711PayloadType } from '../../audio/g711.js';
import { InbandDtmfDetector } from './goertzel.js';
import type { PacedStream, Pacer } from './pacer.js';
import { EventDigitSource, FRAME_SAMPLES, PcmSource, SlotFrame, renderInbandDigits, type FrameSource } from './play-sources.js';
import type { StreamParams } from './protocol.js';
import { Recording, type RecordingOptions, type RecordingResult } from './recording.js';
import { EVENT_PAYLOAD_BYTES, TelephoneEventDecoder, writeTelephoneEvent } from './rfc4733.js';
import { RTP_HEADER_BYTES, parseRtpPacket, writeRtpHeader, type RtpPacket } from './rtp-packet.js';
import type { MixRoom, Seat } from './mix-room.js';
import { FeedBuffer, RelayClock, transcodeInPlace } from './relay.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** What a stream tells the worker, which forwards it to the main thread. */
export interface StreamReporter {
  playDone(play: number): void;
  dtmf(digit: string): void;
  /** One decoded 20 ms frame of what the stream received, while tapped; the stream lets go of it. */
  audio(pcm: Int16Array): void;
  rtpTimeout(): void;
  recordingEnded(recording: number, result: Promise<RecordingResult>): void;
}

/**
 * Send buffers per stream. A datagram is handed to the kernel a tick after `send()` (dgram
 * resolves the address first), and a catch-up tick sends up to three frames, so each frame
 * needs a buffer of its own until then.
 */
const SEND_BUFFERS = 4;
const AUDIO_PACKET_BYTES = RTP_HEADER_BYTES + FRAME_SAMPLES;
/** 60 ms of G.711 (480 bytes) plus a header with CSRCs and an extension, with room to spare. */
const MAX_RTP_DATAGRAM = 1024;
/** A play the stream queued itself (a relayed key turned into tones): nobody waits for its end. */
const INTERNAL_PLAY = -1;

/**
 * One call's media on its worker: the RTP sender driven by the worker's Pacer, the receive
 * path, playback queue, DTMF in both directions and recordings.
 *
 * Sending (RFC 3550 §5.1, RFC 3551 §4.1): random initial sequence number, timestamp and SSRC;
 * the timestamp advances 160 per 20 ms slot whether the slot is sent, held or skipped, so it
 * stays tied to the wall clock; the marker bit is set on the first packet and on the first after
 * a hold. From the first `send=true` until close a packet leaves every slot, G.711 silence when
 * nothing plays, which keeps NAT bindings open and the far end's jitter buffer fed.
 *
 * Linked to another stream of the worker (a bridge), a stream sends what the other receives as
 * soon as it arrives, under its own SSRC, sequence and timestamp clock (RelayClock), converted
 * between μ-law and A-law when the legs differ, and its own silence stops until unlinked. The
 * switch between relayed and paced packets, either way, sets the marker bit (RFC 3551 §4.1).
 * Relayed audio goes into the stream's whole-call ('both') recordings like its own played audio.
 */
export class StreamState implements PacedStream {
  private params: StreamParams | undefined;
  private started = false;
  private sequence = randomInt(0x10000);
  private timestamp = randomInt(0x100000000);
  private readonly ssrc = randomInt(0x100000000);
  private markerPending = true;
  private readonly buffers = Array.from({ length: SEND_BUFFERS }, () => Buffer.alloc(AUDIO_PACKET_BYTES));
  private nextBuffer = 0;
  private readonly frame = new SlotFrame();
  private readonly queue: { play: number; source: FrameSource }[] = [];
  private lastSentAt: number | undefined;
  private lastSentSlot = 0;

  private readonly events = new TelephoneEventDecoder();
  private inband: InbandDtmfDetector | undefined;
  private decoded = new Int16Array(FRAME_SAMPLES * 2);
  private lastReceivedAt = performance.now();
  private timedOut = false;
  private readonly recordings = new Map<number, Recording>();
  private closed = false;
  readonly localPort: number;

  /** The stream this one is linked to: what either receives, the other sends. */
  private peer: StreamState | undefined;
  private readonly relayClock = new RelayClock();
  /** The previous packet was relayed: the next paced one starts a new talkspurt, and vice versa. */
  private relayedLast = false;
  /** While tapped: the frame of received audio being filled for the main thread. */
  private tapFrame: Int16Array | undefined;
  private tapFill = 0;
  private feedBuffer: FeedBuffer | undefined;
  private readonly feedFrame = new Int16Array(FRAME_SAMPLES);
  /** In a conference room of this worker: the stream sends its share of the room's mix. */
  private seat: { room: MixRoom; seat: Seat } | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly pacer: Pacer,
    private readonly metrics: WorkerMetrics,
    private readonly reporter: StreamReporter,
    private readonly rtpTimeoutMs: number,
  ) {
    this.localPort = socket.address().port;
    socket.on('message', this.onPacket);
  }

  configure(params: StreamParams): void {
    if (this.closed) return;
    const wasSending = this.started && this.params?.send === true;
    const wasReceiving = this.params?.receive === true;
    this.params = params;
    if (params.send && !wasSending) {
      this.markerPending = true;
      this.lastSentAt = undefined;
    }
    if (params.send && !this.started) {
      this.started = true;
      this.pacer.add(this);
    }
    if (params.receive && !wasReceiving) {
      this.lastReceivedAt = performance.now();
      this.timedOut = false;
    }
  }

  /** Queues audio; queued items play one after another. Reports at once when there is nothing to play. */
  play(play: number, pcm: Int16Array): void {
    if (pcm.length === 0) return this.reporter.playDone(play);
    this.queue.push({ play, source: new PcmSource(pcm) });
  }

  /** RFC 4733 events when the peer negotiated telephone-event, in-band tones otherwise. */
  playDigits(play: number, digits: string): void {
    if (digits.length === 0) return this.reporter.playDone(play);
    const source = this.params?.telephoneEventPt !== undefined ? new EventDigitSource(digits) : new PcmSource(renderInbandDigits(digits));
    this.queue.push({ play, source });
  }

  stopPlay(play: number): void {
    const i = this.queue.findIndex((q) => q.play === play);
    if (i < 0) return;
    // The playing source may need a few frames to stop cleanly (an RFC 4733 event's end packets).
    if (i === 0 && this.queue[0].source.interrupt?.()) return;
    this.queue.splice(i, 1);
  }

  /** The Goertzel detector costs CPU on every packet, so it runs only while asked for. */
  detectInband(on: boolean): void {
    if (on && !this.inband) this.inband = new InbandDtmfDetector((digit) => this.reporter.dtmf(digit));
    else if (!on) this.inband = undefined;
  }

  record(recording: number, path: string, options: RecordingOptions): void {
    const r = new Recording(path, options, (result) => {
      this.recordings.delete(recording);
      this.reporter.recordingEnded(recording, result);
    });
    this.recordings.set(recording, r);
  }

  stopRecording(recording: number): void {
    void this.recordings.get(recording)?.end('stopped');
  }

  /** Links this stream to `peer` (replacing any link either had), or unlinks it with undefined. */
  link(peer: StreamState | undefined): void {
    if (this.peer === peer || peer === this) return;
    const old = this.peer;
    this.peer = peer;
    if (old?.peer === this) old.link(undefined);
    if (peer && peer.peer !== this) peer.link(this);
  }

  unlink(peer: StreamState): void {
    if (this.peer === peer) this.link(undefined);
  }

  /** Reports received audio as 20 ms frames while on; costs a decode per packet, so only then. */
  tap(on: boolean): void {
    this.tapFrame = on ? (this.tapFrame ?? new Int16Array(FRAME_SAMPLES)) : undefined;
    this.tapFill = 0;
  }

  feed(pcm: Int16Array): void {
    (this.feedBuffer ??= new FeedBuffer()).push(pcm);
  }

  /** Sits the stream in a room's mix (its packets go to `seat`, it sends what the seat hears), or leaves it. */
  sit(seat: { room: MixRoom; seat: Seat } | undefined): void {
    this.seat = seat;
  }

  sendSlot(slotTime: number): void {
    const frame = this.frame;
    frame.reset();
    const head = this.queue[0];
    const finished = head !== undefined && head.source.fill(frame, this.timestamp);
    if (head !== undefined) this.feedBuffer?.clear();
    else if (this.seat) {
      frame.kind = 'audio';
      frame.pcm = this.seat.room.frameFor(this.seat.seat, slotTime);
      frame.from = 0;
    } else if (this.feedBuffer?.take(this.feedFrame)) {
      frame.kind = 'audio';
      frame.pcm = this.feedFrame;
      frame.from = 0;
    }
    const params = this.params!;
    // While linked, the other leg's packets are this stream's audio: no silence of our own.
    if (params.send && (frame.kind !== 'silence' || !this.peer)) this.transmit(params, frame, slotTime);
    if (frame.kind === 'audio' && this.recordings.size > 0) {
      for (const r of this.recordings.values()) r.sent(slotTime, frame.pcm, frame.from, FRAME_SAMPLES);
    }
    this.timestamp = (this.timestamp + FRAME_SAMPLES) >>> 0;
    if (finished) {
      this.queue.shift();
      if (head.play !== INTERNAL_PLAY) this.reporter.playDone(head.play);
    }
  }

  skipSlots(slots: number): void {
    this.timestamp = (this.timestamp + slots * FRAME_SAMPLES) >>> 0;
  }

  private transmit(params: StreamParams, frame: SlotFrame, slotTime: number): void {
    if (this.relayedLast) {
      this.relayedLast = false;
      this.markerPending = true;
      this.lastSentAt = undefined; // the gap since the last paced packet is not send jitter
    }
    const buf = this.buffers[this.nextBuffer];
    this.nextBuffer = (this.nextBuffer + 1) % SEND_BUFFERS;
    let length = AUDIO_PACKET_BYTES;
    if (frame.kind === 'event' && params.telephoneEventPt !== undefined) {
      writeRtpHeader(buf, {
        marker: frame.eventStart || this.markerPending,
        payloadType: params.telephoneEventPt,
        sequence: this.sequence,
        timestamp: frame.eventTimestamp,
        ssrc: this.ssrc,
      });
      writeTelephoneEvent(buf, RTP_HEADER_BYTES, frame.event);
      length = RTP_HEADER_BYTES + EVENT_PAYLOAD_BYTES;
    } else {
      const pt = params.payloadType;
      writeRtpHeader(buf, { marker: this.markerPending, payloadType: pt, sequence: this.sequence, timestamp: this.timestamp, ssrc: this.ssrc });
      if (frame.kind === 'audio') encodeG711(pt, frame.pcm, frame.from, buf, RTP_HEADER_BYTES, FRAME_SAMPLES);
      else buf.fill(silenceByte(pt), RTP_HEADER_BYTES, AUDIO_PACKET_BYTES);
    }
    this.markerPending = false;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.socket.send(buf, 0, length, params.remotePort, params.remoteAddress);
    this.metrics.packetsSent++;
    const now = performance.now();
    if (this.lastSentAt !== undefined) this.metrics.recordSendDeviation(now - this.lastSentAt - (slotTime - this.lastSentSlot));
    this.lastSentAt = now;
    this.lastSentSlot = slotTime;
  }

  private readonly onPacket = (datagram: Buffer, from: RemoteInfo): void => {
    const params = this.params;
    if (this.closed || !params?.receive) return;
    // Only the negotiated peer may speak into the call (no digits or audio injected by a
    // stranger who guessed the port), and never more than a 60 ms G.711 packet could need.
    if (from.address !== params.remoteAddress || datagram.length > MAX_RTP_DATAGRAM) return;
    const packet = parseRtpPacket(datagram);
    if (!packet) return;
    const now = performance.now();
    this.metrics.packetsReceived++;
    this.lastReceivedAt = now;
    this.timedOut = false;
    const pt = packet.payloadType;
    if (pt === params.telephoneEventPt) {
      const digit = this.events.accept(packet.ssrc, packet.timestamp, packet.payload);
      // Reported even while linked: the parent of a bridge listens for `*` (hangupOnStar).
      if (digit !== undefined) this.reporter.dtmf(digit);
      this.peer?.relayEvent(packet, datagram, digit);
      return;
    }
    // Other payload types (comfort noise 13, codecs never negotiated) are ignored.
    if (pt !== 0 && pt !== 8) return;
    if (this.inband || this.recordings.size > 0 || this.tapFrame || this.seat) {
      const n = packet.payload.length;
      if (this.decoded.length < n) this.decoded = new Int16Array(n);
      decodeG711(pt, packet.payload, this.decoded);
      this.inband?.push(this.decoded, n);
      for (const r of this.recordings.values()) r.received(packet.ssrc, packet.timestamp, this.decoded, n, now);
      if (this.tapFrame) this.tapAudio(this.decoded, n);
      this.seat?.seat.buffer.push(packet.ssrc, packet.timestamp, this.decoded, n);
    }
    // Last: relaying rewrites the datagram in place.
    this.peer?.relayAudio(packet, datagram, now);
  };

  /** An audio packet the linked stream received, sent on at once (not re-paced) as our own. */
  private relayAudio(packet: RtpPacket, datagram: Buffer, now: number): void {
    const params = this.params;
    // A play of our own (a relayed key as tones) has the line while it lasts.
    if (!params?.send || !this.started || this.queue.length > 0) return;
    const pt = packet.payloadType as G711PayloadType;
    if (pt !== params.payloadType) transcodeInPlace(packet.payload, pt);
    this.recordRelayed(packet, params.payloadType, now);
    this.forward(packet, datagram, params, params.payloadType, false);
  }

  /**
   * What this leg's phone hears across a bridge belongs in its whole-call recordings, as its own
   * played audio does: `Record=true` on a call that `<Dial>`s records both parties, and a mono
   * recording of a bridge holds "both legs mixed in one channel" (dial.md §7). The decode is only paid while such a recording runs. Decoded from the payload as sent, so the
   * file holds what the phone got.
   */
  private recordRelayed(packet: RtpPacket, payloadType: G711PayloadType, now: number): void {
    const n = packet.payload.length;
    let decoded = false;
    for (const r of this.recordings.values()) {
      if (!r.mixesSent) continue;
      if (!decoded) {
        if (this.decoded.length < n) this.decoded = new Int16Array(n);
        decodeG711(payloadType, packet.payload, this.decoded);
        decoded = true;
      }
      r.relayed(packet.ssrc, packet.timestamp, this.decoded, n, now);
    }
  }

  /**
   * A telephone-event packet the linked stream received: passed through on this leg's own
   * telephone-event payload type (RFC 4733 §2.1: the PT is per session), with its marker (a new
   * event). A leg that negotiated none hears the key as in-band tones instead.
   */
  private relayEvent(packet: RtpPacket, datagram: Buffer, digit: string | undefined): void {
    const params = this.params;
    if (!params?.send || !this.started) return;
    if (params.telephoneEventPt !== undefined) return this.forward(packet, datagram, params, params.telephoneEventPt, packet.marker);
    if (digit !== undefined) this.queue.push({ play: INTERNAL_PLAY, source: new PcmSource(renderInbandDigits(digit)) });
  }

  /** Rewrites the received datagram's header in place (12 bytes just before the payload) and sends it. */
  private forward(packet: RtpPacket, datagram: Buffer, params: StreamParams, payloadType: number, marker: boolean): void {
    if (!this.relayedLast) {
      this.relayedLast = true;
      this.relayClock.restart();
    }
    const timestamp = this.relayClock.map(packet.ssrc, packet.timestamp, this.timestamp);
    const start = packet.payload.byteOffset - datagram.byteOffset - RTP_HEADER_BYTES;
    const out = datagram.subarray(start, start + RTP_HEADER_BYTES + packet.payload.length);
    writeRtpHeader(out, { marker: marker || this.relayClock.anchored || this.markerPending, payloadType, sequence: this.sequence, timestamp, ssrc: this.ssrc });
    this.markerPending = false;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.socket.send(out, params.remotePort, params.remoteAddress);
    this.metrics.packetsSent++;
    this.metrics.packetsRelayed++;
  }

  private tapAudio(pcm: Int16Array, n: number): void {
    for (let i = 0; i < n; i++) {
      this.tapFrame![this.tapFill++] = pcm[i];
      if (this.tapFill === FRAME_SAMPLES) {
        this.reporter.audio(this.tapFrame!);
        this.tapFrame = new Int16Array(FRAME_SAMPLES);
        this.tapFill = 0;
      }
    }
  }

  /** Timeouts and recording upkeep, run a few times a second off the send path. */
  housekeeping(now: number): void {
    for (const r of this.recordings.values()) r.tick(now);
    if (this.rtpTimeoutMs > 0 && this.params?.receive && !this.timedOut && now - this.lastReceivedAt >= this.rtpTimeoutMs) {
      this.timedOut = true;
      this.reporter.rtpTimeout();
    }
  }

  /** Stops sending, ends recordings with reason 'closed' and closes the socket; then calls `onClosed`. Idempotent. */
  close(onClosed: () => void): void {
    if (this.closed) return;
    this.closed = true;
    this.link(undefined);
    if (this.seat) this.seat.room.remove(this.seat.seat.id);
    this.seat = undefined;
    this.pacer.delete(this);
    this.queue.length = 0;
    // Reported closed only once the files are complete, so their results precede 'closed'.
    const files = [...this.recordings.values()].map((r) => r.end('closed').catch(() => {}));
    this.socket.off('message', this.onPacket);
    const socketClosed = new Promise<void>((resolve) => {
      try {
        this.socket.close(resolve);
      } catch {
        resolve(); // already closed after a socket error
      }
    });
    void Promise.all([socketClosed, ...files]).then(onClosed);
  }
}
