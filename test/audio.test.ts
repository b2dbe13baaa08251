import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AudioCache } from '../src/audio/audio-cache.js';
import { AudioError } from '../src/audio/audio-error.js';
import { AudioLoader } from '../src/audio/audio-loader.js';
import { checkAudioTools } from '../src/audio/audio-tools.js';
import { EspeakTts } from '../src/audio/espeak-tts.js';
import { espeakVoice } from '../src/audio/espeak-voice.js';
import { sharedPcm } from '../src/audio/pcm.js';
import type { SpawnFn } from '../src/audio/run-tool.js';
import { beep } from '../src/audio/tones.js';
import { decodeWav, encodeWav, readWavInfo } from '../src/audio/wav.js';

/** A spawn that records every child it starts, and can run a hook right after each spawn. */
function watchedSpawn(onSpawn?: (child: ChildProcess) => void) {
  const commands: string[] = [];
  const children: ChildProcess[] = [];
  const fn: SpawnFn = (command, args, options) => {
    commands.push(command);
    const child = spawn(command, args, options);
    children.push(child);
    onSpawn?.(child);
    return child;
  };
  return { fn, commands, children };
}

function rms(pcm: Int16Array): number {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

/** Amplitude of the `hz` component (a single DFT bin): a sine of peak A gives about A. */
function amplitudeAt(pcm: Int16Array, hz: number): number {
  let re = 0;
  let im = 0;
  for (let n = 0; n < pcm.length; n++) {
    const phase = (2 * Math.PI * hz * n) / 8000;
    re += pcm[n] * Math.cos(phase);
    im -= pcm[n] * Math.sin(phase);
  }
  return (2 * Math.hypot(re, im)) / pcm.length;
}

const isShared = (pcm: Int16Array) => pcm.buffer instanceof SharedArrayBuffer;
const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { maxBuffer: 1 << 26 });

describe('EspeakTts', () => {
  it('renders "Hello world" as 8 kHz shared PCM of speech length with real energy', async () => {
    const pcm = await new EspeakTts().render('Hello world', { voice: 'man', language: 'en-US' });
    assert.ok(isShared(pcm));
    const seconds = pcm.length / 8000;
    assert.ok(seconds > 0.5 && seconds < 3, `length ${seconds} s`);
    assert.ok(rms(pcm) > 300, `RMS ${rms(pcm)}`);
  });

  it('serves the same text and voice from its cache without starting a process', async () => {
    const spawns = watchedSpawn();
    const tts = new EspeakTts({ spawn: spawns.fn });
    const first = await tts.render('Cached prompt', { voice: 'woman', language: 'en-GB' });
    assert.deepEqual(spawns.commands, ['espeak-ng', 'ffmpeg']);
    const second = await tts.render('Cached prompt', { voice: 'woman', language: 'en-GB' });
    assert.equal(spawns.commands.length, 2);
    assert.equal(second, first);
    await tts.render('Cached prompt', { voice: 'man', language: 'en-GB' });
    assert.equal(spawns.commands.length, 4, 'another voice is another render');
  });

  it('renders concurrent requests for one prompt once', async () => {
    const spawns = watchedSpawn();
    const tts = new EspeakTts({ spawn: spawns.fn });
    const [a, b] = await Promise.all([
      tts.render('Twice at once', { voice: 'man', language: 'en-US' }),
      tts.render('Twice at once', { voice: 'man', language: 'en-US' }),
    ]);
    assert.equal(a, b);
    assert.equal(spawns.commands.length, 2);
  });

  it('passes text that looks like an option to espeak as text', async () => {
    const pcm = await new EspeakTts().render('--version -v xx', { voice: 'man', language: 'en-US' });
    assert.ok(pcm.length / 8000 > 0.5, 'spoken, not interpreted');
  });

  it('rejects with an AudioError naming espeak-ng when the binary is missing', async () => {
    const tts = new EspeakTts({ espeakPath: 'espeak-ng-missing-for-test' });
    await assert.rejects(tts.render('Hello', { voice: 'man', language: 'en-US' }), (error: unknown) => {
      assert.ok(error instanceof AudioError);
      assert.equal(error.code, 12400);
      assert.match(error.message, /espeak-ng-missing-for-test not found.*apt-get install espeak-ng/);
      return true;
    });
  });

  it('kills its child process and rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('caller hung up');
    const spawns = watchedSpawn(() => controller.abort(reason));
    const tts = new EspeakTts({ spawn: spawns.fn });
    const rendering = tts.render('A long sentence that would take a while to speak.', { voice: 'man', language: 'en-US' }, controller.signal);
    await assert.rejects(rendering, (error) => error === reason);
    const child = spawns.children[0];
    if (child.exitCode === null && child.signalCode === null) await once(child, 'close');
    assert.equal(child.signalCode, 'SIGKILL');
    assert.equal(spawns.children.length, 1, 'ffmpeg never started');
  });

  it('maps Twilio voices and languages to espeak-ng voices', () => {
    assert.equal(espeakVoice({ voice: 'man', language: 'en-US' }), 'en-us+m3');
    assert.equal(espeakVoice({ voice: 'woman', language: 'en-GB' }), 'en-gb+f3');
    assert.equal(espeakVoice({ voice: 'alice', language: 'es-ES' }), 'es+f2');
    assert.equal(espeakVoice({ voice: 'Polly.Matthew-Neural', language: 'fr-FR' }), 'fr-fr+m3');
    assert.equal(espeakVoice({ voice: 'Polly.Joanna', language: 'de-DE' }), 'de+f3');
    assert.equal(espeakVoice({ voice: 'Google.en-US-Standard-C', language: 'it-CH' }), 'it');
    assert.equal(espeakVoice({ voice: 'robot', language: 'xx-YY' }), 'en-us');
  });
});

describe('AudioLoader', () => {
  const routes = new Map<string, { status?: number; type?: string; headers?: Record<string, string>; body?: Buffer }>();
  const hits = new Map<string, number>();
  let server: Server;
  let base: string;
  const tone = sharedPcm(Array.from({ length: 8000 }, (_, n) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * n) / 8000))));

  before(async () => {
    routes.set('/tone.wav', { type: 'audio/wav', body: encodeWav(tone) });
    routes.set('/ulaw.wav', { type: 'audio/x-wav', body: ffmpeg(['-f', 'lavfi', '-i', 'sine=f=440:d=0.5', '-ar', '8000', '-c:a', 'pcm_mulaw', '-f', 'wav', 'pipe:1']) });
    routes.set('/tone.mp3', { type: 'audio/mpeg', body: ffmpeg(['-f', 'lavfi', '-i', 'sine=f=440:d=1', '-f', 'mp3', 'pipe:1']) });
    routes.set('/44k.wav', { type: 'audio/wav', body: ffmpeg(['-f', 'lavfi', '-i', 'sine=f=440:d=1', '-ar', '44100', '-ac', '2', '-f', 'wav', 'pipe:1']) });
    routes.set('/no-store.wav', { type: 'audio/wav', headers: { 'cache-control': 'no-store' }, body: encodeWav(tone) });
    routes.set('/moved', { status: 302, headers: { location: '/tone.wav' } });
    routes.set('/loop', { status: 302, headers: { location: '/loop' } });
    routes.set('/page', { type: 'text/html', body: Buffer.from('<html>Not found</html>') });
    routes.set('/noise.bin', { type: 'application/octet-stream', body: Buffer.from('this is not audio at all'.repeat(40)) });
    server = createServer((req, res) => {
      hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
      if (req.url === '/silent') return; // never answers
      const route = routes.get(req.url!);
      if (!route) return void res.writeHead(404).end('not here');
      res.writeHead(route.status ?? 200, { ...(route.type ? { 'content-type': route.type } : {}), ...route.headers });
      res.end(route.body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('decodes an 8 kHz 16-bit WAV without starting ffmpeg', async () => {
    const spawns = watchedSpawn();
    const pcm = await new AudioLoader({ spawn: spawns.fn }).load(`${base}/tone.wav`);
    assert.equal(spawns.commands.length, 0);
    assert.ok(isShared(pcm));
    assert.deepEqual(Array.from(pcm), Array.from(tone));
  });

  it('decodes an 8 kHz µ-law WAV without starting ffmpeg', async () => {
    const spawns = watchedSpawn();
    const pcm = await new AudioLoader({ spawn: spawns.fn }).load(`${base}/ulaw.wav`);
    assert.equal(spawns.commands.length, 0);
    assert.equal(pcm.length, 4000);
    assert.ok(amplitudeAt(pcm, 440) > 3500, 'the 440 Hz sine (ffmpeg: 1/8 of full scale) survives G.711 expansion');
  });

  it('decodes an MP3 through ffmpeg to about one second of 8 kHz audio', async () => {
    const spawns = watchedSpawn();
    const pcm = await new AudioLoader({ spawn: spawns.fn }).load(`${base}/tone.mp3`);
    assert.deepEqual(spawns.commands, ['ffmpeg']);
    const seconds = pcm.length / 8000;
    assert.ok(seconds > 0.95 && seconds < 1.15, `length ${seconds} s`);
    assert.ok(amplitudeAt(pcm.subarray(800, 7200), 440) > 3500);
  });

  it('resamples a 44.1 kHz stereo WAV through ffmpeg', async () => {
    const pcm = await new AudioLoader().load(`${base}/44k.wav`);
    assert.ok(Math.abs(pcm.length - 8000) < 80, `${pcm.length} samples`);
  });

  it('follows redirects', async () => {
    const pcm = await new AudioLoader().load(`${base}/moved`);
    assert.equal(pcm.length, tone.length);
  });

  it('gives up after 10 redirects with AudioError 11215', async () => {
    await assert.rejects(new AudioLoader().load(`${base}/loop`), { name: 'AudioError', code: 11215 });
    assert.equal(hits.get('/loop'), 11);
  });

  it('rejects a server that never answers with AudioError 11200 once the fetch timeout passes', async () => {
    await assert.rejects(new AudioLoader({ timeoutMs: 300 }).load(`${base}/silent`), (error: unknown) => {
      assert.ok(error instanceof AudioError);
      assert.equal(error.code, 11200);
      assert.match(error.message, /did not answer within 300 ms/);
      return true;
    });
  });

  it('fetches a URL once for concurrent loads and then serves it from the cache', async () => {
    const loader = new AudioLoader();
    hits.delete('/tone.wav');
    await Promise.all([loader.load(`${base}/tone.wav`), loader.load(`${base}/tone.wav`)]);
    await loader.load(`${base}/tone.wav`);
    assert.equal(hits.get('/tone.wav'), 1);
  });

  it('fetches again when the response said Cache-Control: no-store', async () => {
    const loader = new AudioLoader();
    await loader.load(`${base}/no-store.wav`);
    await loader.load(`${base}/no-store.wav`);
    assert.equal(hits.get('/no-store.wav'), 2);
  });

  it('rejects a 404 with AudioError 11200 carrying the status', async () => {
    await assert.rejects(new AudioLoader().load(`${base}/missing.mp3`), (error: unknown) => {
      assert.ok(error instanceof AudioError);
      assert.equal(error.code, 11200);
      assert.equal(error.details.status, 404);
      assert.match(error.message, /HTTP 404/);
      return true;
    });
  });

  it('rejects an HTML page with AudioError 13420', async () => {
    await assert.rejects(new AudioLoader().load(`${base}/page`), { name: 'AudioError', code: 13420 });
  });

  it('rejects bytes ffmpeg cannot decode with AudioError 13420', async () => {
    await assert.rejects(new AudioLoader().load(`${base}/noise.bin`), { name: 'AudioError', code: 13420 });
  });

  it('rejects a file over the size cap with AudioError 11200', async () => {
    await assert.rejects(new AudioLoader({ maxBytes: 1000 }).load(`${base}/tone.mp3`), { name: 'AudioError', code: 11200 });
  });

  it('rejects a refused connection with AudioError 11205 and a bad URL with 11100', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await assert.rejects(new AudioLoader().load(`http://127.0.0.1:${port}/x.wav`), { name: 'AudioError', code: 11205 });
    await assert.rejects(new AudioLoader().load('ftp://example.com/x.wav'), { name: 'AudioError', code: 11100 });
  });

  it('rejects with an AudioError naming ffmpeg when the binary is missing', async () => {
    const loader = new AudioLoader({ ffmpegPath: '/nonexistent/ffmpeg' });
    await assert.rejects(loader.load(`${base}/tone.mp3`), (error: unknown) => {
      assert.ok(error instanceof AudioError);
      assert.equal(error.code, 12400);
      assert.match(error.message, /\/nonexistent\/ffmpeg not found.*apt-get install ffmpeg/);
      return true;
    });
  });

  it('kills ffmpeg and rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('redirected');
    const spawns = watchedSpawn(() => controller.abort(reason));
    await assert.rejects(new AudioLoader({ spawn: spawns.fn }).load(`${base}/44k.wav`, controller.signal), (e) => e === reason);
    const child = spawns.children[0];
    if (child.exitCode === null && child.signalCode === null) await once(child, 'close');
    assert.equal(child.signalCode, 'SIGKILL');
  });
});

describe('AudioCache', () => {
  it('evicts the least recently used entries to stay within its byte bound', () => {
    const cache = new AudioCache(3000);
    cache.set('a', sharedPcm(500)); // 1000 bytes each
    cache.set('b', sharedPcm(500));
    cache.set('c', sharedPcm(500));
    cache.get('a');
    cache.set('d', sharedPcm(500));
    assert.ok(cache.get('a') && cache.get('c') && cache.get('d'));
    assert.equal(cache.get('b'), undefined);
    cache.set('huge', sharedPcm(2000));
    assert.equal(cache.get('huge'), undefined, 'larger than the whole cache: not kept');
    assert.equal(cache.size.bytes, 3000);
  });

  it('keeps producing for the callers still waiting when one of them aborts', async () => {
    const cache = new AudioCache(1 << 20);
    let produced = 0;
    let workSignal: AbortSignal | undefined;
    let finish!: () => void;
    const produce = (signal: AbortSignal) => {
      produced++;
      workSignal = signal;
      return new Promise<{ pcm: Int16Array; cacheable: boolean }>((resolve) => {
        finish = () => resolve({ pcm: sharedPcm(10), cacheable: true });
      });
    };
    const leaving = new AbortController();
    const first = cache.obtain('k', leaving.signal, produce);
    const second = cache.obtain('k', undefined, produce);
    leaving.abort(new Error('gone'));
    await assert.rejects(first, /gone/);
    assert.equal(workSignal!.aborted, false);
    finish();
    assert.equal((await second).length, 10);
    assert.equal(produced, 1);
  });

  it('aborts the production when its last caller leaves', async () => {
    const cache = new AudioCache(1 << 20);
    let workSignal: AbortSignal | undefined;
    const controller = new AbortController();
    const waiting = cache.obtain('k', controller.signal, (signal) => {
      workSignal = signal;
      return new Promise(() => {});
    });
    controller.abort(new Error('bye'));
    await assert.rejects(waiting, /bye/);
    assert.equal(workSignal!.aborted, true);
  });
});

describe('checkAudioTools', () => {
  it('finds espeak-ng and ffmpeg on this machine', async () => {
    assert.deepEqual(await checkAudioTools(), { espeak: true, ffmpeg: true, warnings: [] });
  });

  it('warns clearly about a missing tool instead of failing', async () => {
    const status = await checkAudioTools({ espeak: 'no-such-espeak', ffmpeg: 'no-such-ffmpeg' });
    assert.equal(status.espeak, false);
    assert.equal(status.ffmpeg, false);
    assert.equal(status.warnings.length, 2);
    assert.match(status.warnings[0], /no-such-espeak not found: <Say> on SIP calls will be silent.*apt-get install espeak-ng/);
    assert.match(status.warnings[1], /no-such-ffmpeg not found: .*apt-get install ffmpeg/);
  });
});

describe('tones', () => {
  it('makes a 1 kHz beep of the asked length, on shared memory', () => {
    const tone = beep();
    assert.equal(tone.length, 4000);
    assert.ok(isShared(tone));
    assert.ok(amplitudeAt(tone, 1000) > 10_000);
    assert.ok(amplitudeAt(tone, 1500) < 1000);
    assert.equal(beep(250).length, 2000);
  });
});

describe('WAV helpers', () => {
  it('encodes PCM as a 16-bit 8 kHz WAV that decodes back to the same samples', () => {
    const pcm = beep(40);
    const file = encodeWav(pcm);
    assert.deepEqual(readWavInfo(file), { format: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, dataOffset: 44, dataBytes: 640 });
    assert.deepEqual(Array.from(decodeWav(file)!), Array.from(pcm));
  });

  it('reads a streamed WAV whose header overstates its size, and declines other rates', () => {
    const streamed = execFileSync('espeak-ng', ['--stdout', 'hi']);
    const info = readWavInfo(streamed)!;
    assert.equal(info.sampleRate, 22050);
    assert.equal(info.dataBytes, streamed.length - info.dataOffset);
    assert.equal(decodeWav(streamed), undefined);
    assert.equal(readWavInfo(Buffer.from('ID3 not a wav')), undefined);
  });
});
