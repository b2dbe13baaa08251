import { networkInterfaces } from 'node:os';
import { AudioLoader } from '../audio/audio-loader.js';
import { checkAudioTools, type AudioToolPaths } from '../audio/audio-tools.js';
import { EspeakTts } from '../audio/espeak-tts.js';
import type { Clock } from '../ports/clock.js';
import type { SipClientDirectory } from './client-credentials.js';
import type { SipLogger } from './logger.js';
import { SipRegistrar } from './registrar.js';
import { MediaEngine, type MediaStats } from './rtp/media-engine.js';
import { SipCarrier } from './sip-carrier.js';
import { SipRoomMix } from './sip-room-mix.js';
import type { SipTrunk } from './sip-endpoints.js';
import { UdpTransport, type SipTraffic } from './transport/udp-transport.js';
import { SipUserAgent } from './user-agent.js';

export interface SipEdgeOptions {
  /** Address to bind SIP and RTP to; `0.0.0.0` advertises the first external IPv4 address. */
  host: string;
  /** UDP port for SIP; 0 picks a free one. */
  port: number;
  /** Inclusive range of UDP ports for RTP (even ones are used). */
  rtpPorts: [number, number];
  trunk?: SipTrunk;
  /** Who may REGISTER (then be called as `client:<identity>`); without it REGISTER gets 405. */
  clients?: SipClientDirectory;
  /** A call whose far end sends no RTP for this long is hung up; 0 = never. */
  rtpTimeoutMs: number;
  /** Media worker threads; default one per core. */
  mediaWorkers?: number;
  /** Paths of espeak-ng and ffmpeg, when not on PATH under those names. */
  audioTools?: AudioToolPaths;
  clock: Clock;
  log: SipLogger;
}

export interface SipEdge {
  readonly carrier: SipCarrier;
  /** The SIP address calls reach us at, e.g. `127.0.0.1:5060`, and the startup warnings. */
  readonly address: { host: string; port: number; warnings: string[] };
  /** The media workers' load since the previous call (pps, send jitter, skipped frames): for benchmarks. */
  mediaStats(): Promise<MediaStats>;
  /** SIP messages received and sent, and faults peers caused, so far (for /metrics). */
  traffic(): { messages: SipTraffic; faults: Record<string, number> };
  /** A new conference room's PCM mix on the media workers (sip-room-mix.ts). */
  roomMix(): SipRoomMix;
  close(): Promise<void>;
}

/**
 * Starts the SIP/RTP edge: the UDP transport and user agent, the media workers, and the audio
 * renderers. A missing espeak-ng or ffmpeg is a warning, not a failure: the affected verbs
 * leave a Notification on the call (issue point 7).
 */
export async function startSipEdge(options: SipEdgeOptions): Promise<SipEdge> {
  const paths = options.audioTools ?? {};
  const tools = await checkAudioTools(paths);
  for (const warning of tools.warnings) options.log.warn({}, warning);
  const contactHost = advertisedHost(options.host);
  const engine = await MediaEngine.start({
    host: options.host, portRange: options.rtpPorts, workers: options.mediaWorkers, rtpTimeoutMs: options.rtpTimeoutMs,
  });
  const transport = new UdpTransport({ host: options.host, port: options.port, logger: options.log });
  try {
    await transport.start();
  } catch (error) {
    await engine.close();
    throw error;
  }
  const port = transport.localAddress.port;
  const ua = new SipUserAgent({ transport, clock: options.clock, contactHost, contactPort: port, logger: options.log });
  const registrar = options.clients ? new SipRegistrar({ clock: options.clock, clients: options.clients, realm: contactHost }) : undefined;
  if (registrar) ua.onRegister((request, source) => registrar.register(request, source));
  const tts = new EspeakTts({ espeakPath: paths.espeak, ffmpegPath: paths.ffmpeg });
  const audio = new AudioLoader({ ffmpegPath: paths.ffmpeg });
  const carrier = new SipCarrier({ ua, engine, clock: options.clock, tts, audio, log: options.log, contactHost, trunk: options.trunk, registrar });
  return {
    carrier,
    address: { host: contactHost, port, warnings: tools.warnings },
    mediaStats: () => engine.stats(),
    traffic: () => ({ messages: transport.traffic, faults: { ...transport.faults.totals(), ...ua.faults() } }),
    roomMix: () => new SipRoomMix({ engine, tts, audio, clock: options.clock }),
    close: async () => {
      await ua.close();
      await engine.close();
    },
  };
}

/** The address peers can reach: the bound one, or for a wildcard bind the first external IPv4. */
function advertisedHost(host: string): string {
  if (host !== '0.0.0.0') return host;
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (external) return external.address;
  }
  return '127.0.0.1';
}
