/**
 * Runs baresip (Debian baresip-core 1.0) as a headless SIP user agent for interop tests, driven
 * over its ctrl_tcp module: netstring-framed JSON (`<len>:<json>,`) in both directions, commands
 * `{command, params, token}` answered by `{response, ok, data, token}`, and events
 * `{event: true, type, ...}` (CALL_INCOMING, CALL_RINGING, CALL_ESTABLISHED, CALL_CLOSED, …) on the
 * same socket.
 *
 * Each instance lives in a fresh temp dir with its own config, accounts and contacts: SIP on
 * 127.0.0.1 at a free port, no registration, what it sends read from a WAV by `aufile`, what it
 * hears discarded by ALSA's `null` PCM and dumped by `sndfile` into `rec/` as
 * `dump-<start time>-enc.wav` (sent) and `-dec.wav` (received).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_RATE } from './audio-compare.js';
import { writeWav8k } from './pcap.js';
import { LOOPBACK, freeSipPort, freeTcpPort, freeUdpRange } from './ports.js';

export interface BaresipOptions {
  sipPort?: number;
  ctrlPort?: number;
  rtpPorts?: { first: number; last: number };
  /**
   * The 8 kHz mono 16-bit WAV baresip sends into calls. aufile hangs the call up at end of
   * file, so pad it with silence to the call's length. Default: 120 s of silence.
   */
  audioSource?: string;
  /** `auto` answers incoming calls at once; `manual` rings until `accept()` or `hangup()`. */
  answerMode?: 'auto' | 'manual';
  /** The account's `audio_codecs`, in order of preference. Default `PCMU,PCMA`. */
  codecs?: string;
  /** User part of the account's AOR. Default `peer`. */
  user?: string;
  /**
   * Registers the account with this registrar (`host:port`), answering its digest challenge
   * with `password`, every `regint` seconds (default 3600). Without it baresip never registers.
   * Events REGISTER_OK / REGISTER_FAIL tell how it went.
   */
  register?: { registrar: string; password: string; regint?: number };
  /** baresip quits by itself after this long (`-t`), a safety net. Default 120 s. */
  lifetimeMs?: number;
}

export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  id?: string;
  param?: string;
  [key: string]: unknown;
}

export interface BaresipResponse {
  ok: boolean;
  data: string;
}

export interface BaresipRecording {
  /** What baresip sent (after its encoder's input). */
  enc: string;
  /** What baresip received and decoded. */
  dec: string;
}

export interface BaresipHandle {
  sipPort: number;
  ctrlPort: number;
  /** `sip:<user>@127.0.0.1:<sipPort>`: where to call this instance. */
  uri: string;
  dir: string;
  /** Sends a ctrl_tcp command and resolves with its response (rejects after `timeoutMs`). */
  command(command: string, params?: string, timeoutMs?: number): Promise<BaresipResponse>;
  /** Every event, in order, as it arrives. */
  events(): AsyncIterableIterator<BaresipEvent>;
  /**
   * Resolves with the earliest event of `type` not yet returned by an earlier `waitForEvent`,
   * whether it already arrived or is still to come; rejects after `timeoutMs`.
   */
  waitForEvent(type: string, timeoutMs?: number): Promise<BaresipEvent>;
  dial(uri: string): Promise<BaresipResponse>;
  hangup(): Promise<BaresipResponse>;
  accept(): Promise<BaresipResponse>;
  /** An RFC 4733 telephone-event (ctrl_tcp `sndcode`; a bare digit is "command not found"). */
  sendDigit(digit: string): Promise<BaresipResponse>;
  /** sndfile's dumps, oldest call first. Complete once the call has closed. */
  recordings(): BaresipRecording[];
  /** Everything baresip printed, for failure messages. */
  log(): string;
  /** Quits over ctrl_tcp (SIGKILL if that takes over 5 s) and removes the temp dir. */
  quit(): Promise<void>;
}

const DEFAULT_WAIT_MS = 10_000;
const QUIT_GRACE_MS = 5_000;

/**
 * Starts baresip and resolves once its ctrl_tcp socket is connected. Ports chosen here were free
 * a moment ago, but a test running beside this one may take one first: then it starts again on
 * new ones.
 */
export async function startBaresip(options: BaresipOptions = {}): Promise<BaresipHandle> {
  const portsGiven = options.sipPort !== undefined || options.ctrlPort !== undefined || options.rtpPorts !== undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchBaresip(options);
    } catch (error) {
      if (portsGiven || attempt === 3 || !/Address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function launchBaresip(options: BaresipOptions): Promise<BaresipHandle> {
  const sipPort = options.sipPort ?? (await freeSipPort());
  const ctrlPort = options.ctrlPort ?? (await freeTcpPort());
  const rtpPorts = options.rtpPorts ?? (await freeUdpRange(40));
  const user = options.user ?? 'peer';
  const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
  mkdirSync(join(dir, 'rec'));
  let audioSource = options.audioSource;
  if (audioSource === undefined) {
    audioSource = join(dir, 'silence.wav');
    writeWav8k(audioSource, new Int16Array(120 * SAMPLE_RATE));
  }
  writeFileSync(join(dir, 'config'), configFile({ sipPort, ctrlPort, rtpPorts, audioSource, recDir: join(dir, 'rec') }));
  const register = options.register;
  const aor = register ? `<sip:${user}@${register.registrar}>;auth_pass=${register.password};regint=${register.regint ?? 3600}` : `<sip:${user}@${LOOPBACK}:${sipPort}>;regint=0`;
  const account = `${aor};answermode=${options.answerMode ?? 'auto'};audio_codecs=${options.codecs ?? 'PCMU,PCMA'}`;
  writeFileSync(join(dir, 'accounts'), `${account}\n`);
  writeFileSync(join(dir, 'contacts'), '');

  const lifetimeS = Math.ceil((options.lifetimeMs ?? 120_000) / 1000);
  const child = spawn('baresip', ['-f', dir, '-t', String(lifetimeS)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (d: Buffer): void => {
    output.push(d.toString());
    // baresip redraws a status line several times a second: keep the last 256 KB only.
    if (output.length > 512) output.splice(0, output.length, output.join('').slice(-256 * 1024));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const spawnFailed = new Promise<never>((_, reject) =>
    child.on('error', (error) => reject(new Error(`cannot run baresip (install it with scripts/install-test-peers.sh): ${error.message}`))),
  );

  let socket: Socket;
  try {
    socket = await Promise.race([connectWithRetry(ctrlPort, 10_000), spawnFailed, exited.then(() => Promise.reject(new Error(`baresip exited at start:\n${output.join('')}`)))]);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return new BaresipControl({ child, socket, exited, output, dir, sipPort, ctrlPort, uri: `sip:${user}@${LOOPBACK}:${sipPort}` });
}

function configFile(c: { sipPort: number; ctrlPort: number; rtpPorts: { first: number; last: number }; audioSource: string; recDir: string }): string {
  return [
    'poll_method epoll',
    `sip_listen ${LOOPBACK}:${c.sipPort}`,
    // Without these two the SDP carries eth0's address and dial waits 4-18 s on DNS.
    `net_interface ${LOOPBACK}`,
    `dns_server ${LOOPBACK}:53`,
    'call_local_timeout 120',
    'call_max_calls 4',
    `audio_source aufile,${c.audioSource}`,
    'audio_player alsa,null',
    'audio_alert alsa,null',
    'audio_level no',
    'ausrc_format s16',
    'auplay_format s16',
    'auenc_format s16',
    'audec_format s16',
    'audio_buffer 20-160',
    `rtp_ports ${c.rtpPorts.first}-${c.rtpPorts.last}`,
    'rtcp_mux no',
    'jitter_buffer_delay 5-10',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aufile.so',
    'module alsa.so',
    'module sndfile.so',
    `snd_path ${c.recDir}`,
    'module_tmp account.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen ${LOOPBACK}:${c.ctrlPort}`,
    '',
  ].join('\n');
}

async function connectWithRetry(port: number, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(port, LOOPBACK);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`baresip ctrl_tcp on port ${port} did not accept: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

interface Pending {
  resolve(response: BaresipResponse): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

class BaresipControl implements BaresipHandle {
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly uri: string;
  readonly dir: string;
  readonly #child: ChildProcess;
  readonly #socket: Socket;
  readonly #exited: Promise<void>;
  readonly #output: string[];
  readonly #history: BaresipEvent[] = [];
  /** Events already handed out by waitForEvent, so the next wait for that type gets a newer one. */
  readonly #consumed = new Set<BaresipEvent>();
  /** Called with each event, and with null once baresip has gone. */
  readonly #listeners = new Set<(event: BaresipEvent | null) => void>();
  readonly #pending = new Map<string, Pending>();
  #buffer = Buffer.alloc(0);
  #nextToken = 1;
  #closed = false;

  constructor(p: { child: ChildProcess; socket: Socket; exited: Promise<void>; output: string[]; dir: string; sipPort: number; ctrlPort: number; uri: string }) {
    this.#child = p.child;
    this.#socket = p.socket;
    this.#exited = p.exited;
    this.#output = p.output;
    this.dir = p.dir;
    this.sipPort = p.sipPort;
    this.ctrlPort = p.ctrlPort;
    this.uri = p.uri;
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.#socket.on('error', () => {}); // baresip quitting resets the socket; 'close' handles it
    this.#socket.on('close', () => this.#failPending(new Error('baresip ctrl_tcp connection closed')));
    void this.#exited.then(() => {
      this.#closed = true;
      for (const listener of [...this.#listeners]) listener(null);
    });
  }

  command(command: string, params = '', timeoutMs = DEFAULT_WAIT_MS): Promise<BaresipResponse> {
    if (this.#closed || this.#socket.destroyed) return Promise.reject(new Error(`baresip is not running (command ${command})`));
    const token = `t${this.#nextToken++}`;
    const json = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token);
        reject(new Error(`baresip did not answer "${command} ${params}" in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(token, { resolve, reject, timer });
      this.#socket.write(`${Buffer.byteLength(json)}:${json},`);
    });
  }

  async *events(): AsyncIterableIterator<BaresipEvent> {
    const queue: BaresipEvent[] = [...this.#history];
    let wake: (() => void) | undefined;
    const listener = (event: BaresipEvent | null): void => {
      if (event) queue.push(event);
      wake?.();
    };
    this.#listeners.add(listener);
    try {
      for (;;) {
        const next = queue.shift();
        if (next) yield next;
        else if (this.#closed) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.#listeners.delete(listener);
    }
  }

  waitForEvent(type: string, timeoutMs = DEFAULT_WAIT_MS): Promise<BaresipEvent> {
    const earlier = this.#history.find((e) => e.type === type && !this.#consumed.has(e));
    if (earlier) {
      this.#consumed.add(earlier);
      return Promise.resolve(earlier);
    }
    return new Promise((resolve, reject) => {
      const listener = (event: BaresipEvent | null): void => {
        if (event === null) {
          clearTimeout(timer);
          this.#listeners.delete(listener);
          reject(new Error(`baresip exited while waiting for ${type}:\n${this.log().slice(-2000)}`));
          return;
        }
        if (event.type !== type || this.#consumed.has(event)) return;
        this.#consumed.add(event);
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(event);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        const seen = this.#history.map((e) => e.type).join(', ') || 'none';
        reject(new Error(`no baresip ${type} event in ${timeoutMs} ms (events so far: ${seen})`));
      }, timeoutMs);
      this.#listeners.add(listener);
    });
  }

  dial(uri: string): Promise<BaresipResponse> {
    return this.command('dial', uri);
  }

  hangup(): Promise<BaresipResponse> {
    return this.command('hangup');
  }

  accept(): Promise<BaresipResponse> {
    return this.command('accept');
  }

  sendDigit(digit: string): Promise<BaresipResponse> {
    return this.command('sndcode', digit);
  }

  recordings(): BaresipRecording[] {
    const files = readdirSync(join(this.dir, 'rec')).sort();
    return files
      .filter((name) => name.endsWith('-enc.wav'))
      .map((enc) => ({ enc: join(this.dir, 'rec', enc), dec: join(this.dir, 'rec', enc.replace(/-enc\.wav$/, '-dec.wav')) }))
      .filter((pair) => files.includes(pair.dec.slice(pair.dec.lastIndexOf('/') + 1)));
  }

  log(): string {
    return this.#output.join('');
  }

  async quit(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      // quit gets no response: baresip closes the socket as it exits.
      if (!this.#socket.destroyed) {
        const json = JSON.stringify({ command: 'quit', params: '', token: 'quit' });
        this.#socket.write(`${Buffer.byteLength(json)}:${json},`);
      }
      const killer = setTimeout(() => this.#child.kill('SIGKILL'), QUIT_GRACE_MS);
      await this.#exited;
      clearTimeout(killer);
    }
    this.#socket.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Splits netstrings (`<decimal length>:<payload>,`) out of the byte stream. */
  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const colon = this.#buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.#buffer.subarray(0, colon).toString('latin1'));
      if (!Number.isInteger(length) || length < 0) {
        this.#buffer = Buffer.alloc(0); // out of sync; nothing after this can be framed
        return;
      }
      if (this.#buffer.length < colon + 1 + length + 1) return;
      const payload = this.#buffer.subarray(colon + 1, colon + 1 + length).toString('utf8');
      this.#buffer = this.#buffer.subarray(colon + 1 + length + 1);
      this.#dispatch(payload);
    }
  }

  #dispatch(payload: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      return;
    }
    if (message.response) {
      const pending = this.#pending.get(String(message.token));
      if (!pending) return;
      this.#pending.delete(String(message.token));
      clearTimeout(pending.timer);
      pending.resolve({ ok: message.ok === true, data: typeof message.data === 'string' ? message.data : '' });
    } else if (message.event) {
      const event = message as BaresipEvent;
      this.#history.push(event);
      for (const listener of [...this.#listeners]) listener(event);
    }
  }

  #failPending(error: Error): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
  }
}

/** Runs `body` with baresips started from `options`, adding their logs to a failure and always quitting them. */
export async function withBaresips(options: BaresipOptions[], body: (peers: BaresipHandle[]) => Promise<void>): Promise<void> {
  const peers: BaresipHandle[] = [];
  try {
    for (const o of options) peers.push(await startBaresip(o));
    await body(peers);
  } catch (error) {
    for (const [i, b] of peers.entries()) (error as Error).message += `\n--- baresip ${i} log ---\n${b.log().slice(-3000)}`;
    throw error;
  } finally {
    await Promise.all(peers.map((b) => b.quit()));
  }
}

/** `withBaresips` for one baresip. */
export function withBaresip(options: BaresipOptions, body: (b: BaresipHandle) => Promise<void>): Promise<void> {
  return withBaresips([options], ([b]) => body(b!));
}
