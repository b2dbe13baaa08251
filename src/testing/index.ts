import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSwitchboard, type Switchboard } from '../app.js';
import { isTerminal, type CallStatus } from '../domain/call-status.js';
import type { CallRecord } from '../domain/call.js';
import type { HeardEntry } from '../simnet/call-log.js';
import type { PhoneConfig } from '../simnet/phone-config.js';
import type { InboxEntry } from '../simnet/sim-texts.js';

export type { CallRecord, HeardEntry, InboxEntry, PhoneConfig };

export interface TestSwitchboardOptions {
  /** Multiplies every wait the server times; default 0.01 (a 30 s Pause lasts 0.3 s). */
  timeScale?: number;
  /** Default: a fresh temporary directory, removed by `close()`. */
  dataDir?: string;
}

/** The far end of one call on the simulated network, scripted from a test. */
export interface FarEnd {
  /**
   * Everything the far end heard so far, oldest first: what the app played (`say`, `play`,
   * `tone`, …) and, while bridged by a `<Dial>`, what the other leg's phone said (`speech`) or
   * pressed (`digits`) with its `fromCallSid`, SIP audio (`audio`), and `ringback`.
   */
  heard(): HeardEntry[];
  /** The words of every `<Say>` the app played to this phone so far. */
  said(): string[];
  /** Presses DTMF keys; throws when the call is not answered. */
  press(digits: string): void;
  /** Says one utterance (for `<Gather input="speech">`); throws when the call is not answered. */
  say(text: string, confidence?: number): void;
  /** Hangs up from the far end; throws when the call is not live. */
  hangup(): void;
}

/** A phone on the simulated network, seen from a test: what it was texted, and texting from it. */
export interface SimPhone {
  /** The texts delivered to this phone so far, oldest first. */
  messages(): InboxEntry[];
  /**
   * Texts `to` (a number provisioned through IncomingPhoneNumbers) from this phone: its `SmsUrl`
   * runs. Resolves with the inbound Message SID once the webhook and its `<Message>` replies
   * have been handled (the replies may still be on their way to the inbox).
   */
  text(to: string, body: string, mediaUrls?: string[]): Promise<string>;
}

/**
 * A Switchboard running inside the test process: the official SDK is pointed at `url` with
 * `accountSid`/`authToken`, and the simulated network's phones are scripted directly, without
 * HTTP. Everything else is the real server.
 */
export interface TestSwitchboard {
  readonly url: string;
  readonly accountSid: string;
  readonly authToken: string;
  /**
   * The phone at `number`; with `config`, how it answers calls and takes texts from now on
   * (`sms`: `deliver`, `undeliver` or `fail`).
   */
  phone(number: string, config?: PhoneConfig): SimPhone;
  /** The far end of `callSid`. */
  call(callSid: string): FarEnd;
  /** Places an inbound call to a number provisioned through IncomingPhoneNumbers; resolves with its SID. */
  dialIn(from: string, to: string): Promise<string>;
  /**
   * Resolves with the call once it is in `status` (or, without one, once it has ended).
   * Rejects after `timeoutMs` of real time.
   */
  waitForCall(callSid: string, status?: CallStatus, timeoutMs?: number): Promise<CallRecord>;
  /**
   * Resolves with the SID of a child call of `parentSid` (a call a `<Dial>` placed: listed with
   * `ParentCallSid`) once it exists. `index` counts the children in the order they were placed
   * (default 0, the first); with `to`, only children dialled to `to` count. Rejects after
   * `timeoutMs` of real time.
   */
  waitForChild(parentSid: string, options?: ChildQuery): Promise<string>;
  /** Stops the server and removes the temporary data directory. */
  close(): Promise<void>;
}

export interface ChildQuery {
  /** Only children dialled to this number or `client:` identity. */
  to?: string;
  /** Which child, in the order they were placed; default 0. */
  index?: number;
  /** Default 10,000 ms of real time. */
  timeoutMs?: number;
}

/** Starts Switchboard for a test: a free port on 127.0.0.1, no logs, compressed time. */
export async function startTestSwitchboard(options: TestSwitchboardOptions = {}): Promise<TestSwitchboard> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'switchboard-')));
  const server = await startSwitchboard({ dataDir, port: 0, timeScale: options.timeScale ?? 0.01, logger: false });
  return {
    url: server.url,
    accountSid: server.accountSid,
    authToken: server.authToken,
    phone: (number, config) => {
      if (config) server.sim.configurePhone(number, config);
      return simPhone(server, number);
    },
    call: (callSid) => farEnd(server, callSid),
    dialIn: (from, to) => server.sim.placeInbound(from, to),
    waitForCall: (callSid, status, timeoutMs = 10_000) => waitForCall(server, callSid, status, timeoutMs),
    waitForChild: (parentSid, query = {}) => waitForChild(server, parentSid, query),
    async close() {
      await server.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function simPhone(server: Switchboard, number: string): SimPhone {
  return {
    messages: () => server.sim.texts.inbox(number),
    async text(to, body, mediaUrls = []) {
      const { message, replied } = await server.messages.receive(number, to, body, mediaUrls, server.accountSid);
      await replied;
      return message.sid;
    },
  };
}

function farEnd(server: Switchboard, callSid: string): FarEnd {
  const sim = server.sim;
  const must = (done: boolean, what: string) => {
    if (!done) throw new Error(`Cannot ${what}: call ${callSid} is not live and answered on the simulated network`);
  };
  const heard = () => sim.heard(callSid)?.heard ?? [];
  return {
    heard,
    said: () => heard().filter((entry) => entry.kind === 'say').map((entry) => entry.text!),
    press: (digits) => must(sim.pressDigits(callSid, digits), `press ${digits}`),
    say: (text, confidence) => must(sim.speak(callSid, text, confidence), 'speak'),
    hangup: () => must(sim.hangup(callSid), 'hang up'),
  };
}

async function waitForCall(server: Switchboard, callSid: string, status: CallStatus | undefined, timeoutMs: number): Promise<CallRecord> {
  return poll(
    () => server.calls.fetch(server.accountSid, callSid),
    (call) => (status ? call.status === status : isTerminal(call.status)),
    (call) => `Call ${callSid} is ${call.status}, not ${status ?? 'ended'}, after ${timeoutMs} ms`,
    timeoutMs,
  );
}

/** Children are listed newest first, like every Calls list; `index` counts from the oldest. */
async function waitForChild(server: Switchboard, parentSid: string, query: ChildQuery): Promise<string> {
  const { to, index = 0, timeoutMs = 10_000 } = query;
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`index must be a whole number >= 0, not ${index}`);
  // Fails at once with the API's own error when the parent is not a call of this account.
  await server.calls.fetch(server.accountSid, parentSid);
  const children = await poll(
    async () => (await server.calls.list({ accountSid: server.accountSid, parentCallSid: parentSid, to }, { limit: Math.max(1000, index + 1) })).reverse(),
    (found) => found.length > index,
    (found) => `Call ${parentSid} has ${found.length} child call(s)${to ? ` to ${to}` : ''}, not ${index + 1}, after ${timeoutMs} ms`,
    timeoutMs,
  );
  return children[index].sid;
}

/** Reads until `done`, every 5 ms of real time; rejects with `failure` of the last read after `timeoutMs`. */
async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, failure: (value: T) => string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(failure(value));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
