import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { MixRoom } from './mix-room.js';
import { Pacer } from './pacer.js';
import type { Command, Report, WorkerConfig } from './protocol.js';
import type { RecordingResult } from './recording.js';
import { FeedBuffer } from './relay.js';
import { StreamState, type StreamReporter } from './stream-state.js';
import { WorkerMetrics } from './worker-metrics.js';

/**
 * Entry of a media worker thread. It owns the UDP sockets of its streams and the one 20 ms
 * loop that paces them; the main thread only sends commands (protocol.ts). Nothing here may
 * throw out of a handler: one uncaught error would end every call of the worker.
 */
const HOUSEKEEPING_MS = 100;

const port = parentPort;
if (!port) throw new Error('media-worker must run in a worker thread');
const config = workerData as WorkerConfig;
const metrics = new WorkerMetrics();
const pacer = new Pacer((err) => report({ type: 'fault', message: String(err) }));
const streams = new Map<number, StreamState>();
/** Conference rooms mixed here, with the streams of this worker sitting in each (by member). */
const rooms = new Map<number, { mix: MixRoom; sitting: Map<number, StreamState> }>();
/** Recordings still being written: shutdown waits for them so their results reach the main thread. */
const writing = new Set<Promise<unknown>>();

function report(message: Report): void {
  port!.postMessage(message);
}

const housekeeping = setInterval(() => {
  const now = performance.now();
  for (const stream of streams.values()) stream.housekeeping(now);
  for (const room of rooms.values()) room.mix.housekeeping(now);
}, HOUSEKEEPING_MS);

function bind(localPort: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(config.host) ? 'udp6' : 'udp4' });
    const onBindError = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', onBindError);
    socket.bind(localPort, config.host, () => {
      socket.off('error', onBindError);
      // Send failures (unreachable peer, ICMP errors) are per packet; the call goes on.
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

async function open(stream: number, localPort: number): Promise<void> {
  try {
    const socket = await bind(localPort);
    const state = new StreamState(socket, pacer, metrics, reporterFor(stream), config.rtpTimeoutMs);
    streams.set(stream, state);
    const address = socket.address();
    report({ type: 'opened', stream, address: address.address, port: address.port });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    report({ type: 'open-failed', stream, code: e.code ?? 'EUNKNOWN', message: e.message });
  }
}

function reporterFor(stream: number): StreamReporter {
  return {
    playDone: (play: number) => report({ type: 'play-done', stream, play }),
    dtmf: (digit: string) => report({ type: 'dtmf', stream, digit }),
    audio: (pcm: Int16Array) => port!.postMessage({ type: 'audio', stream, pcm } satisfies Report, [pcm.buffer as ArrayBuffer]),
    rtpTimeout: () => report({ type: 'rtp-timeout', stream }),
    recordingEnded: (recording: number, result: Promise<RecordingResult>) => {
      const reported = result.then(
        (r) => report({ type: 'record-done', stream, recording, result: r }),
        (err: Error) => report({ type: 'record-failed', stream, recording, message: err.message }),
      );
      writing.add(reported);
      void reported.finally(() => writing.delete(reported));
    },
  };
}

function roomReporter(room: number) {
  return {
    out: (member: number, pcm: Int16Array) => port!.postMessage({ type: 'room-out', room, member, pcm } satisfies Report, [pcm.buffer as ArrayBuffer]),
    playDone: (play: number) => report({ type: 'room-play-done', room, play }),
    recordingEnded: (recording: number, result: Promise<RecordingResult>) => {
      const reported = result.then(
        (r) => report({ type: 'room-record-done', room, recording, result: r }),
        (err: Error) => report({ type: 'room-record-failed', room, recording, message: err.message }),
      );
      writing.add(reported);
      void reported.finally(() => writing.delete(reported));
    },
  };
}

type RoomCommand = Extract<Command, { room: number }>;

function handleRoom(command: RoomCommand): void {
  if (command.type === 'room-open') {
    const mix = new MixRoom(metrics, roomReporter(command.room));
    rooms.set(command.room, { mix, sitting: new Map() });
    pacer.add(mix);
    return;
  }
  const room = rooms.get(command.room);
  if (!room) {
    if (command.type === 'room-play') report({ type: 'room-play-done', room: command.room, play: command.play });
    if (command.type === 'room-record') report({ type: 'room-record-failed', room: command.room, recording: command.recording, message: 'room closed' });
    return;
  }
  const { mix, sitting } = room;
  switch (command.type) {
    case 'room-add': {
      leave(room, command.member);
      const stream = command.stream === undefined ? undefined : streams.get(command.stream);
      const remote = command.stream === undefined && !command.source;
      const seat = mix.seat(command.member, { muted: command.muted, coach: command.coach }, remote);
      if (remote) seat.fed = new FeedBuffer();
      else if (command.source) return;
      else if (stream) {
        stream.sit({ room: mix, seat });
        sitting.set(command.member, stream);
      } else mix.remove(command.member); // its leg ended on the way here
      return;
    }
    case 'room-set': {
      const seat = mix.get(command.member);
      if (seat) seat.options = { muted: command.muted, coach: command.coach };
      return;
    }
    case 'room-remove':
      return leave(room, command.member);
    case 'room-feed':
      return mix.get(command.member)?.fed?.push(command.pcm);
    case 'room-play':
      return mix.play(command.member === undefined ? undefined : (mix.get(command.member) ?? undefined), command.play, command.pcm, command.digits);
    case 'room-stop-play':
      return mix.stopPlay(command.play);
    case 'room-record':
      return mix.record(command.recording, command.path);
    case 'room-stop-record':
      return mix.stopRecording(command.recording);
    case 'room-close': {
      rooms.delete(command.room);
      for (const member of [...sitting.keys()]) leave(room, member);
      pacer.delete(mix);
      const files = mix.close();
      writing.add(files);
      void files.finally(() => writing.delete(files));
      return;
    }
  }
}

function leave(room: { mix: MixRoom; sitting: Map<number, StreamState> }, member: number): void {
  room.sitting.get(member)?.sit(undefined);
  room.sitting.delete(member);
  room.mix.remove(member);
}

function close(stream: number): void {
  const state = streams.get(stream);
  if (!state) return;
  streams.delete(stream);
  state.close(() => report({ type: 'closed', stream, port: state.localPort }));
}

function handle(command: Command): void {
  if ('room' in command) return handleRoom(command);
  switch (command.type) {
    case 'open':
      return void open(command.stream, command.port);
    case 'configure':
      return streams.get(command.stream)?.configure(command.params);
    case 'play':
      return streams.get(command.stream)?.play(command.play, command.pcm);
    case 'play-digits':
      return streams.get(command.stream)?.playDigits(command.play, command.digits);
    case 'stop-play':
      return streams.get(command.stream)?.stopPlay(command.play);
    case 'detect-inband':
      return streams.get(command.stream)?.detectInband(command.on);
    case 'record': {
      const state = streams.get(command.stream);
      if (state) state.record(command.recording, command.path, command.options);
      else report({ type: 'record-failed', stream: command.stream, recording: command.recording, message: 'stream closed' });
      return;
    }
    case 'link':
    case 'unlink': {
      const a = streams.get(command.stream);
      const b = streams.get(command.other);
      if (!a || !b) return; // one leg already closed: the other simply goes on
      if (command.type === 'link') a.link(b);
      else a.unlink(b);
      return;
    }
    case 'tap':
      return streams.get(command.stream)?.tap(command.on);
    case 'feed':
      return streams.get(command.stream)?.feed(command.pcm);
    case 'stop-record':
      return streams.get(command.stream)?.stopRecording(command.recording);
    case 'close':
      return close(command.stream);
    case 'stats':
      return report({ type: 'stats', request: command.request, stats: sample() });
    case 'shutdown':
      return shutdown();
  }
}

function sample() {
  const skipped = pacer.framesSkipped;
  pacer.framesSkipped = 0;
  return metrics.sample(streams.size, skipped);
}

function shutdown(): void {
  for (const stream of [...streams.keys()]) close(stream);
  for (const room of [...rooms.keys()]) handleRoom({ type: 'room-close', room });
  pacer.stop();
  clearInterval(housekeeping);
  metrics.dispose();
  // Recordings finish writing their files before the thread lets go of the port.
  void Promise.allSettled([...writing]).then(() => port!.close());
}

port.on('message', (command: Command) => {
  try {
    handle(command);
  } catch (err) {
    report({ type: 'fault', message: String((err as Error)?.stack ?? err) });
  }
});

report({ type: 'ready' });
