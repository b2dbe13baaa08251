import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Pacer } from './pacer.js';
import type { Command, Report, WorkerConfig } from './protocol.js';
import type { RecordingResult } from './recording.js';
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
/** Recordings still being written: shutdown waits for them so their results reach the main thread. */
const writing = new Set<Promise<unknown>>();

function report(message: Report): void {
  port!.postMessage(message);
}

const housekeeping = setInterval(() => {
  const now = performance.now();
  for (const stream of streams.values()) stream.housekeeping(now);
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

function close(stream: number): void {
  const state = streams.get(stream);
  if (!state) return;
  streams.delete(stream);
  state.close(() => report({ type: 'closed', stream, port: state.localPort }));
}

function handle(command: Command): void {
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
