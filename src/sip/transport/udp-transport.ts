import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { guarded, PeerFaults, silentLogger, type SipLogger } from '../logger.js';
import { SipParseError } from '../message/errors.js';
import { formatVia, parseVia } from '../message/fields.js';
import { responseToParseError } from '../message/response.js';
import { parseMessage } from '../message/parse.js';
import { serializeMessage } from '../message/serialize.js';
import type { SipAddress, SipMessage, SipRequest } from '../message/types.js';
import type { SipTransport } from './transport.js';

export interface UdpTransportOptions {
  /** Address to bind, e.g. "127.0.0.1" or "0.0.0.0". */
  host: string;
  /** Port to bind; 0 picks a free one (read it from `localAddress` after `start()`). */
  port: number;
  logger?: SipLogger;
}

/**
 * SIP over UDP (RFC 3261 §18). One socket, many peers: every incoming message is handed up
 * with the address it came from, and the server transaction answers to that address and
 * port, always. That is RFC 3581 symmetric response routing applied even when the request did
 * not ask for it with `rport`; plain §18.2.2 would send to the `received` address but the
 * Via's sent-by port. We deviate on purpose: a phone behind NAT that omits `rport` still gets
 * its responses through the NAT binding, and a peer that listens where it sends loses
 * nothing. Nothing a peer sends can make it throw: datagrams
 * that do not parse are answered 400 when they are requests with a readable Via (§21.4.1),
 * otherwise dropped.
 */
export class UdpTransport implements SipTransport {
  private readonly logger: SipLogger;
  /** Datagrams that are not SIP or cannot be parsed: counted, logged at a bounded rate. */
  readonly faults: PeerFaults;
  /** SIP messages received and sent, by request method or response code (for /metrics). */
  readonly traffic: SipTraffic = { received: new Map(), sent: new Map() };
  private socket: Socket | undefined;
  private handler: ((message: SipMessage, source: SipAddress) => void) | undefined;
  private bound: SipAddress | undefined;

  constructor(private readonly options: UdpTransportOptions) {
    this.logger = options.logger ?? silentLogger;
    this.faults = new PeerFaults(this.logger);
  }

  /** The bound address; throws before `start()` resolved. */
  get localAddress(): SipAddress {
    if (!this.bound) throw new Error('UdpTransport is not started');
    return this.bound;
  }

  /** Binds the socket; rejects on EADDRINUSE and other bind errors. */
  start(): Promise<void> {
    if (this.socket) return Promise.resolve();
    const socket = createSocket({ type: isIPv6(this.options.host) ? 'udp6' : 'udp4' });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const onBindError = (err: Error) => {
        this.socket = undefined;
        reject(err);
      };
      socket.once('error', onBindError);
      socket.bind(this.options.port, this.options.host, () => {
        socket.off('error', onBindError);
        // After binding, socket errors (ICMP unreachable on some platforms, send failures) are
        // logged; without a listener Node would throw them and end the process.
        socket.on('error', (err) => this.logger.warn({ err }, 'SIP UDP socket error'));
        socket.on('message', (data, rinfo) =>
          guarded(this.logger, 'UDP datagram', () => this.receive(data, { address: rinfo.address, port: rinfo.port })),
        );
        const address = socket.address();
        this.bound = { address: address.address, port: address.port };
        resolve();
      });
    });
  }

  onMessage(handler: (message: SipMessage, source: SipAddress) => void): void {
    this.handler = handler;
  }

  send(message: SipMessage, to: SipAddress): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('UdpTransport is not started'));
    let data: Buffer;
    try {
      data = serializeMessage(message);
    } catch (err) {
      return Promise.reject(err);
    }
    countMessage(this.traffic.sent, message);
    return new Promise((resolve, reject) => {
      try {
        socket.send(data, to.port, to.address, (err) => (err ? reject(err) : resolve()));
      } catch (err) {
        reject(err); // e.g. ERR_SOCKET_DGRAM_NOT_RUNNING after close
      }
    });
  }

  /** Closes the socket; idempotent. */
  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  private receive(data: Buffer, source: SipAddress): void {
    // RFC 5626 §3.5.1 keep-alives ("\r\n\r\n") and stray blank datagrams carry no message.
    if (data.every((byte) => byte === 0x0d || byte === 0x0a || byte === 0x20)) return;
    let message: SipMessage;
    try {
      message = parseMessage(data);
    } catch (err) {
      this.rejectUnparsable(err, source);
      return;
    }
    countMessage(this.traffic.received, message);
    if (message.kind === 'request') stampVia(message, source);
    this.handler?.(message, source);
  }

  /** §21.4.1: answer a malformed request with the status the parser chose, if it can be addressed. */
  private rejectUnparsable(err: unknown, source: SipAddress): void {
    const response = err instanceof SipParseError ? responseToParseError(err) : undefined;
    this.faults.note(response ? 'unparsable-request' : 'unparsable-datagram', { reason: (err as Error).message.slice(0, 120), source });
    if (response) this.send(response, source).catch(() => undefined);
  }
}

/** Counts of SIP messages by `INVITE`, `BYE`… for requests and `200`, `486`… for responses. */
export interface SipTraffic {
  received: Map<string, number>;
  sent: Map<string, number>;
}

function countMessage(counts: Map<string, number>, message: SipMessage): void {
  const key = message.kind === 'request' ? message.method : String(message.status);
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * RFC 3261 §18.2.1: add `received` when the top Via's sent-by host differs from the packet's
 * source; RFC 3581 §4: when the request asked for `rport`, fill it with the source port and
 * always add `received`.
 */
function stampVia(request: SipRequest, source: SipAddress): void {
  const index = request.headers.findIndex((h) => h.name.toLowerCase() === 'via');
  if (index < 0) return;
  let via;
  try {
    via = parseVia(request.headers[index].value);
  } catch {
    return; // the transaction layer answers 400 for an unusable Via
  }
  const wantsRport = 'rport' in via.params;
  if (!wantsRport && via.host === source.address) return;
  via.params.received = source.address;
  if (wantsRport) via.params.rport = String(source.port);
  request.headers[index] = { name: request.headers[index].name, value: formatVia(via) };
}
