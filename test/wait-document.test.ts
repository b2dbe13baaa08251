import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../src/domain/errors.js';
import type { HttpMethod } from '../src/domain/http-method.js';
import { ManualClock } from '../src/ports/manual-clock.js';
import { TWILIO_HOLD_PLAYLIST } from '../src/ports/media-assets.js';
import { runWaitDocument, type WaitHost } from '../src/session/wait-document.js';
import { parseTwiml } from '../src/twiml/parse-twiml.js';
import { runVerb } from '../src/verbs/index.js';
import type { VerbContext, WaitDocumentRequest } from '../src/verbs/verb-context.js';

const HOLD_MUSIC = 'http://switchboard.test/assets/hold-music.wav';

/** A wait document host over a ManualClock: documents by URL, every sound logged with its time. */
function host(documents: Record<string, string | { audio: true }>) {
  const clock = new ManualClock();
  const heard: string[] = [];
  const requests: { url: string; method: HttpMethod; params: Record<string, string> }[] = [];
  const errors: ErrorCode[] = [];
  const media = {
    async say(text: string, _options: unknown, signal: AbortSignal) {
      heard.push(`say:${text}`);
      await clock.sleep(1000, signal);
    },
    async play(url: string, signal: AbortSignal) {
      heard.push(`play:${url}`);
      await clock.sleep(2000, signal);
    },
    async pause(ms: number, signal: AbortSignal) {
      heard.push(`pause:${ms}`);
      await clock.sleep(ms, signal);
    },
    async playDigits(digits: string, signal: AbortSignal) {
      heard.push(`tones:${digits}`);
      await clock.sleep(100, signal);
    },
  };
  const waitHost: WaitHost = {
    clock,
    holdMusicUrl: () => HOLD_MUSIC,
    async fetch(url, method, params) {
      requests.push({ url, method, params });
      const document = documents[url];
      if (document === undefined) return { type: 'failed', code: 11200, message: 'HTTP 404' };
      if (typeof document !== 'string') return { type: 'audio', url };
      return { type: 'twiml', verbs: parseTwiml(document).verbs, url };
    },
    context: (documentUrl, playOn, signal) =>
      ({
        media: playOn, clock, signal, resolveUrl: (u: string) => new URL(u, documentUrl).toString(),
        warn: () => {}, calls: null,
      }) as unknown as VerbContext,
    runVerb,
    error: (code) => errors.push(code),
  };
  return { clock, heard, requests, errors, media, waitHost };
}

const request = (url: string | null, more: Partial<WaitDocumentRequest> = {}): WaitDocumentRequest => ({
  url, method: 'POST', whenDone: 'silence', disallowedCode: 13238, ...more,
});

/** Lets promise continuations run without moving the clock. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('wait documents (conferences.md §2, queues.md §2.1)', () => {
  it('a document ending in an empty <Redirect/> loops: it is requested again and played again', async () => {
    const h = host({ 'http://app.test/wait': '<Response><Say>Please hold</Say><Play>http://app.test/m.wav</Play><Redirect/></Response>' });
    const controller = new AbortController();
    const done = runWaitDocument(h.waitHost, request('http://app.test/wait'), h.media, controller.signal);
    await h.clock.advance(3000 * 3 - 1);
    assert.deepEqual(h.heard, ['say:Please hold', 'play:http://app.test/m.wav', 'say:Please hold', 'play:http://app.test/m.wav', 'say:Please hold', 'play:http://app.test/m.wav']);
    assert.equal(h.requests.length, 3);
    controller.abort(new Error('conference started'));
    await assert.rejects(done, /conference started/);
  });

  it('a conference wait document that runs out of verbs leaves silence until aborted', async () => {
    const h = host({ 'http://app.test/wait': '<Response><Say>once</Say></Response>' });
    const controller = new AbortController();
    const done = runWaitDocument(h.waitHost, request('http://app.test/wait'), h.media, controller.signal);
    await h.clock.advance(60_000);
    assert.deepEqual(h.heard, ['say:once']);
    assert.equal(h.requests.length, 1);
    assert.equal(h.clock.pendingTimers, 0, 'silence holds no timer');
    controller.abort(new Error('stop'));
    await assert.rejects(done, /stop/);
  });

  it('a queue wait document is requested again when it runs out, with fresh parameters each time', async () => {
    const h = host({ 'http://app.test/q': '<Response><Say>You are in line</Say></Response>' });
    let position = 3;
    const controller = new AbortController();
    const done = runWaitDocument(h.waitHost, request('http://app.test/q', { whenDone: 'refetch', params: () => ({ QueuePosition: String(position--) }) }), h.media, controller.signal);
    await h.clock.advance(2999);
    assert.deepEqual(h.requests.map((r) => r.params.QueuePosition), ['3', '2', '1']);
    controller.abort(new Error('dequeued'));
    await assert.rejects(done, /dequeued/);
  });

  it('an announcement document resolves when it ends', async () => {
    const h = host({ 'http://app.test/a': '<Response><Say>The meeting ends in 5 minutes</Say></Response>' });
    const done = runWaitDocument(h.waitHost, request('http://app.test/a', { whenDone: 'end' }), h.media, new AbortController().signal);
    await h.clock.advance(1000);
    assert.deepEqual(await done, { type: 'end' });
  });

  it("'' is silence: nothing is requested or heard until the signal aborts", async () => {
    const h = host({});
    const controller = new AbortController();
    const done = runWaitDocument(h.waitHost, request(''), h.media, controller.signal);
    await h.clock.advance(600_000);
    assert.deepEqual([h.heard, h.requests], [[], []]);
    controller.abort(new Error('joined'));
    await assert.rejects(done, /joined/);
  });

  it("no waitUrl, or Twilio's default playlist URL, loops the built-in hold music without any request", async () => {
    for (const url of [null, TWILIO_HOLD_PLAYLIST]) {
      const h = host({});
      const controller = new AbortController();
      const done = runWaitDocument(h.waitHost, request(url), h.media, controller.signal);
      await h.clock.advance(5999);
      assert.deepEqual(h.heard, [`play:${HOLD_MUSIC}`, `play:${HOLD_MUSIC}`, `play:${HOLD_MUSIC}`]);
      assert.deepEqual(h.requests, []);
      controller.abort(new Error('started'));
      await assert.rejects(done, /started/);
    }
  });

  it('an audio answer is played in a loop, or once for an announcement', async () => {
    const h = host({ 'http://app.test/music.mp3': { audio: true } });
    const controller = new AbortController();
    const looping = runWaitDocument(h.waitHost, request('http://app.test/music.mp3'), h.media, controller.signal);
    await h.clock.advance(3999);
    assert.deepEqual(h.heard, ['play:http://app.test/music.mp3', 'play:http://app.test/music.mp3']);
    controller.abort(new Error('x'));
    await assert.rejects(looping, /x/);
    const once = runWaitDocument(h.waitHost, request('http://app.test/music.mp3', { whenDone: 'end' }), h.media, new AbortController().signal);
    await h.clock.advance(2000);
    assert.deepEqual(await once, { type: 'end' });
  });

  it('a verb other than Play, Say, Pause and Redirect is the disallowed code, and nothing of the document is heard', async () => {
    const h = host({ 'http://app.test/wait': '<Response><Say>hi</Say><Gather/></Response>' });
    const end = await runWaitDocument(h.waitHost, request('http://app.test/wait'), h.media, new AbortController().signal);
    assert.equal(end.type === 'error' && end.code, 13238);
    assert.deepEqual(h.errors, [13238]);
    assert.deepEqual(h.heard, []);
  });

  it('<Leave> and <Hangup> end a queue wait document when they are allowed', async () => {
    const h = host({ 'http://app.test/leave': '<Response><Say>bye</Say><Leave/></Response>', 'http://app.test/hang': '<Response><Hangup/></Response>' });
    const allow = ['Leave', 'Hangup'] as const;
    const leaving = runWaitDocument(h.waitHost, request('http://app.test/leave', { whenDone: 'refetch', allow }), h.media, new AbortController().signal);
    await h.clock.advance(1000);
    assert.deepEqual(await leaving, { type: 'leave' });
    assert.deepEqual(await runWaitDocument(h.waitHost, request('http://app.test/hang', { whenDone: 'refetch', allow }), h.media, new AbortController().signal), { type: 'hangup' });
  });

  it('a wait URL that cannot be fetched ends the wait with its error', async () => {
    const h = host({});
    const end = await runWaitDocument(h.waitHost, request('http://app.test/missing'), h.media, new AbortController().signal);
    assert.deepEqual(end, { type: 'error', code: 11200, message: 'HTTP 404' });
  });

  it('aborting stops the audio at once, mid-prompt', async () => {
    const h = host({ 'http://app.test/wait': '<Response><Pause length="3600"/></Response>' });
    const controller = new AbortController();
    const done = runWaitDocument(h.waitHost, request('http://app.test/wait'), h.media, controller.signal);
    await h.clock.advance(10);
    await settle();
    controller.abort(new Error('now'));
    await assert.rejects(done, /now/);
    assert.equal(h.clock.pendingTimers, 0, 'the pause timer was cancelled');
  });

  it('a document whose Play fails at once is paced too', async () => {
    const h = host({ 'http://app.test/broken': '<Response><Play>http://app.test/gone.mp3</Play><Redirect/></Response>' });
    h.media.play = async () => { throw new Error('HTTP 404'); };
    const controller = new AbortController();
    const done = runWaitDocument(h.waitHost, request('http://app.test/broken'), h.media, controller.signal);
    await h.clock.advance(2500);
    assert.equal(h.requests.length, 3);
    controller.abort(new Error('x'));
    await assert.rejects(done, /x/);
  });

  it('a document of only a Redirect is paced, not requested in a tight loop', async () => {
    const h = host({ 'http://app.test/spin': '<Response><Redirect/></Response>' });
    const controller = new AbortController();
    const done = runWaitDocument(h.waitHost, request('http://app.test/spin'), h.media, controller.signal);
    await h.clock.advance(2500);
    assert.equal(h.requests.length, 3);
    controller.abort(new Error('x'));
    await assert.rejects(done, /x/);
  });
});

describe('the built-in hold music and beep', () => {
  it('are 8 kHz mono 16-bit WAVs that are not silent: six seconds of music, a quarter-second beep', async () => {
    const { holdMusicWav, conferenceBeepWav } = await import('../src/audio/hold-music.js');
    const { readWavInfo, decodeWav } = await import('../src/audio/wav.js');
    for (const [wav, ms] of [[holdMusicWav(), 6000], [conferenceBeepWav(), 250]] as const) {
      const info = readWavInfo(wav)!;
      assert.deepEqual([info.format, info.channels, info.sampleRate, info.bitsPerSample], [1, 1, 8000, 16]);
      assert.equal((info.dataBytes / 16000) * 1000, ms);
      const pcm = decodeWav(wav)!;
      const peak = pcm.reduce((max, s) => Math.max(max, Math.abs(s)), 0);
      assert.ok(peak > 1000 && peak < 32767, `peak ${peak}: audible and not clipped`);
    }
  });
});
