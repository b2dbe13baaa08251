import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EventFeed } from '../src/api/event-feed.js';
import { newSid } from '../src/domain/sid.js';
import { CallEvents } from '../src/ports/call-events.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

interface SseEvent { id: string | null; event: string; data: any }

/** A feed client as the console runs it: fetch() with Authorization and a stream reader (not EventSource). */
class FeedClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  ended = false;
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  static async open(h: Harness, query = '', headers: Record<string, string> = {}): Promise<FeedClient> {
    const client = new FeedClient();
    const response = await fetch(`${h.server.url}/console/v1/events${query}`, {
      headers: { authorization: basic(h), ...headers }, signal: client.abort.signal,
    });
    client.status = response.status;
    client.done = client.read(response.body!);
    return client;
  }

  /** The events of one call, in the order received. */
  of(callSid: string): SseEvent[] {
    return this.events.filter((e) => e.data?.callSid === callSid);
  }

  close(): Promise<void> {
    this.abort.abort();
    return this.done;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          this.parse(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
        }
      }
    } catch {
      // aborted by close()
    }
    this.ended = true;
  }

  private parse(block: string): void {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) { this.comments.push(line.slice(1).trim()); continue; }
      const colon = line.indexOf(':');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.events.push({ id, event, data: JSON.parse(data.join('\n')) });
  }
}

const basic = (h: Harness, token = h.server.authToken) => 'Basic ' + Buffer.from(`${h.server.accountSid}:${token}`).toString('base64');
const ended = (client: FeedClient, callSid: string) => client.of(callSid).some((e) => e.event === 'status' && e.data.to === 'completed');
const label = (e: { event: string; data: any }) =>
  e.event === 'status' ? `status:${e.data.to}` : e.event.startsWith('verb') ? `${e.event}:${e.data.verb}` : e.event;

describe('the live event feed', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ feed: { keepAliveMs: 50 } });
    h.app.route('/short', '<Response><Say>One</Say><Pause length="1"/><Say>Two</Say></Response>');
    h.app.route('/hold', '<Response><Say>Hold on</Say><Pause length="3600"/></Response>');
  });
  after(() => h.close());

  it('streams each call’s events in the order they happened, with strictly increasing ids', async () => {
    const feed = await FeedClient.open(h);
    assert.equal(feed.status, 200);
    const calls = await Promise.all([1, 2, 3, 4].map((i) =>
      h.client.calls.create({ to: `+1415555010${i}`, from: '+15005550006', url: `${h.app.url}/short` })));
    await eventually(() => calls.every((c) => ended(feed, c.sid)), Boolean);
    const ids = feed.events.map((e) => Number(e.id));
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), `ids increase: ${ids.join(',')}`);
    for (const call of calls) {
      assert.deepEqual(feed.of(call.sid).map(label), [
        'status:queued', 'status:ringing', 'status:in-progress', 'webhook-requested', 'webhook-answered',
        'verb-started:Say', 'verb-ended:Say', 'verb-started:Pause', 'verb-ended:Pause', 'verb-started:Say', 'verb-ended:Say',
        'status:completed',
      ]);
      const completed = feed.of(call.sid).at(-1)!;
      assert.equal(completed.data.call.sid, call.sid, 'a status event carries the REST Call JSON');
      assert.equal(completed.data.call.status, 'completed');
      assert.equal(completed.data.call.account_sid, h.server.accountSid);
    }
    await feed.close();
  });

  it('callSid= streams only that call; a keep-alive comment arrives while nothing happens', async () => {
    const first = await h.client.calls.create({ to: '+14155550111', from: '+15005550006', url: `${h.app.url}/hold` });
    const feed = await FeedClient.open(h, `?callSid=${first.sid}`);
    const other = await h.client.calls.create({ to: '+14155550112', from: '+15005550006', url: `${h.app.url}/short` });
    await eventually(() => h.client.calls(other.sid).fetch(), (c) => c.status === 'completed');
    await h.client.calls(first.sid).update({ status: 'completed' });
    await eventually(() => ended(feed, first.sid), Boolean);
    await eventually(() => feed.comments, (c) => c.includes('keep-alive'));
    assert.ok(feed.events.length > 0);
    assert.ok(feed.events.every((e) => e.data.callSid === first.sid));
    await feed.close();
  });

  it('/console/v1/live lists the live calls with the verb running now, and the seq to resume after', async () => {
    const call = await h.client.calls.create({ to: '+14155550113', from: '+15005550006', url: `${h.app.url}/hold` });
    const verbOf = async () => {
      const live = await h.rest('GET', '/console/v1/live');
      return live.json.calls.find((c: any) => c.sid === call.sid)?.verb;
    };
    assert.equal(await eventually(verbOf, (v) => v === 'Pause'), 'Pause');
    const snapshot = (await h.rest('GET', '/console/v1/live')).json;
    assert.equal(typeof snapshot.seq, 'number');
    const entry = snapshot.calls.find((c: any) => c.sid === call.sid);
    assert.equal(entry.status, 'in-progress');
    assert.equal(entry.uri, `/2010-04-01/Accounts/${h.server.accountSid}/Calls/${call.sid}.json`);
    // Resuming after the snapshot's seq gives what happened after it, and nothing before.
    const feed = await FeedClient.open(h, `?after=${snapshot.seq}`);
    await h.client.calls(call.sid).update({ status: 'completed' });
    await eventually(() => ended(feed, call.sid), Boolean);
    assert.ok(feed.events.every((e) => Number(e.id) > snapshot.seq));
    assert.deepEqual(feed.of(call.sid).map(label), ['verb-ended:Pause', 'status:completed']);
    const after = (await h.rest('GET', '/console/v1/live')).json;
    assert.equal(after.calls.some((c: any) => c.sid === call.sid), false, 'an ended call is no longer live');
    await feed.close();
  });

  it('loses nothing across a reconnect: resumed with Last-Event-ID, the two halves equal one uninterrupted stream', async () => {
    const whole = await FeedClient.open(h);
    let part = await FeedClient.open(h);
    h.app.route('/long', '<Response><Say>A</Say><Pause length="1"/><Say>B</Say><Pause length="1"/><Say>C</Say></Response>');
    const calls = await Promise.all([1, 2, 3].map((i) =>
      h.client.calls.create({ to: `+1415555012${i}`, from: '+15005550006', url: `${h.app.url}/long` })));
    await eventually(() => part.events.filter((e) => e.event === 'verb-started').length, (n) => n >= 2);
    await part.close();
    const halves = [...part.events];
    const lastId = halves.at(-1)!.id!;
    // Events keep flowing while the client is away.
    await eventually(() => whole.events.length, (n) => n > Number(lastId) - Number(whole.events[0]!.id) + 3);
    part = await FeedClient.open(h, '?after=0', { 'last-event-id': lastId });
    await eventually(() => calls.every((c) => ended(whole, c.sid) && ended(part, c.sid)), Boolean);
    const union = [...halves, ...part.events].filter((e) => calls.some((c) => c.sid === e.data.callSid));
    const reference = whole.events.filter((e) => calls.some((c) => c.sid === e.data.callSid));
    assert.deepEqual(union.map((e) => e.id), reference.map((e) => e.id), 'same ids, once each, in order');
    assert.deepEqual(union.map(label), reference.map(label));
    assert.ok(part.events.length > 0 && halves.length > 0);
    await whole.close();
    await part.close();
  });

  it('a resume whose backlog outweighs the client allowance is paced out whole, then the live events follow', async () => {
    let turns = 0;
    const big = `<Response><!-- ${'x'.repeat(60_000)} --><Redirect>/heavy</Redirect></Response>`;
    h.app.route('/heavy', () => (turns++ < 60 ? big : '<Response><Hangup/></Response>'));
    const seq0 = (await h.rest('GET', '/console/v1/live')).json.seq as number;
    const heavy = await h.client.calls.create({ to: '+14155550190', from: '+15005550006', url: `${h.app.url}/heavy` });
    await eventually(() => h.client.calls(heavy.sid).fetch(), (c) => c.status === 'completed', 20_000);
    // About 3.6 MB of events wait in the history: more than the 1 MiB a client may lag by.
    const resumed = await FeedClient.open(h, `?after=${seq0}`);
    const last = (await h.rest('GET', '/console/v1/live')).json.seq as number;
    await eventually(() => resumed.events.length, (n) => n >= last - seq0, 20_000);
    assert.deepEqual(resumed.events.map((e) => Number(e.id)), Array.from({ length: last - seq0 }, (_, i) => seq0 + 1 + i));
    assert.equal(resumed.of(heavy.sid).filter((e) => e.event === 'webhook-answered').length, 61);
    const next = await h.client.calls.create({ to: '+14155550191', from: '+15005550006', url: `${h.app.url}/short` });
    await eventually(() => ended(resumed, next.sid), Boolean);
    assert.equal(resumed.ended, false);
    await resumed.close();
  });

  it('refuses wrong or missing credentials with 20003 and no Basic challenge', async () => {
    for (const path of ['/console/v1/events', '/console/v1/live']) {
      for (const authorization of [basic(h, '0'.repeat(32)), undefined]) {
        const response = await fetch(h.server.url + path, { headers: authorization ? { authorization } : {} });
        assert.equal(response.status, 401);
        assert.equal(response.headers.get('www-authenticate'), null);
        const body = await response.json();
        assert.equal(body.code, 20003);
        assert.equal(body.status, 401);
      }
    }
    const rest = await h.rest('GET', `/2010-04-01/Accounts/${h.server.accountSid}/Calls.json`, undefined, basic(h, '0'.repeat(32)));
    assert.equal(rest.status, 401);
    assert.match(rest.headers.get('www-authenticate') ?? '', /^Basic/, 'the REST API still challenges');
  });

  it('rejects a malformed resume id or callSid with 400', async () => {
    assert.equal((await h.rest('GET', '/console/v1/events?after=abc')).status, 400);
    assert.equal((await h.rest('GET', '/console/v1/events?callSid=nope')).status, 400);
  });
});

describe('the feed’s bounded history and buffers', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ feed: { historySize: 8, maxBufferedBytes: 256 * 1024 } });
    h.app.route('/short', '<Response><Say>One</Say><Pause length="1"/><Say>Two</Say></Response>');
  });
  after(() => h.close());

  it('a resume from an id older than the history, or from another run, starts with event: reset', async () => {
    const feed = await FeedClient.open(h);
    const call = await h.client.calls.create({ to: '+14155550131', from: '+15005550006', url: `${h.app.url}/short` });
    await eventually(() => ended(feed, call.sid), Boolean);
    await feed.close();
    const last = Number(feed.events.at(-1)!.id);
    assert.ok(last > 8);
    for (const from of ['1', String(last + 1000)]) {
      const resumed = await FeedClient.open(h, '', { 'last-event-id': from });
      await eventually(() => resumed.events.length, (n) => n >= 1);
      assert.equal(resumed.events[0]!.event, 'reset');
      assert.equal(resumed.events[0]!.data.seq, last);
      await resumed.close();
    }
    // Within the history: no reset, just the missed events.
    const recent = await FeedClient.open(h, `?after=${last - 3}`);
    await eventually(() => recent.events.length, (n) => n >= 3);
    assert.deepEqual(recent.events.map((e) => Number(e.id)), [last - 2, last - 1, last]);
    await recent.close();
  });

  it('a client that never reads is dropped, while calls and a reading client go on unaffected', async () => {
    // Each turn of this loop is a webhook event carrying a 60 kB document.
    h.app.route('/loop', `<Response><!-- ${'x'.repeat(60_000)} --><Redirect>/loop</Redirect></Response>`);
    h.app.route('/watched', '<Response><Say>Watched</Say><Pause length="2"/></Response>');
    const stalled = connect({ host: '127.0.0.1', port: Number(new URL(h.server.url).port) });
    let closed = false;
    let received = 0;
    stalled.on('close', () => { closed = true; });
    stalled.on('error', () => {});
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.write(`GET /console/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(h)}\r\n\r\n`);
    stalled.pause(); // and it reads nothing while the events flow

    let fetched = 0;
    const stopCounting = h.server.events.on('webhook-answered', () => { fetched++; });
    const loops = await Promise.all([1, 2, 3, 4].map((i) =>
      h.client.calls.create({ to: `+1415555015${i}`, from: '+15005550006', url: `${h.app.url}/loop` })));
    const watched = await h.client.calls.create({ to: '+14155550140', from: '+15005550006', url: `${h.app.url}/watched` });
    const reader = await FeedClient.open(h, `?callSid=${watched.sid}`);
    // About 40 MB of events: far more than the socket buffers and the connection's 256 kB allowance.
    await eventually(() => fetched, (n) => n >= 700, 60_000);
    stopCounting();
    for (const call of loops) await h.client.calls(call.sid).update({ status: 'completed' });

    await eventually(() => ended(reader, watched.sid), Boolean, 10_000);
    assert.deepEqual(reader.of(watched.sid).map(label).filter((l) => l !== 'status:queued' && l !== 'status:ringing'), [
      'status:in-progress', 'webhook-requested', 'webhook-answered',
      'verb-started:Say', 'verb-ended:Say', 'verb-started:Pause', 'verb-ended:Pause', 'status:completed',
    ]);
    const record = await h.client.calls(watched.sid).fetch();
    assert.equal(record.status, 'completed');
    // Had the feed waited for the stalled client, the call would still be paused. Its Pause ran
    // its length (2 s at the harness's ×0.01 time scale: 20 ms, give or take the millisecond
    // rounding of timers and timestamps), not cut short either.
    const pause = reader.of(watched.sid).filter((e) => e.event.startsWith('verb') && e.data.verb === 'Pause');
    assert.ok(pause[1]!.data.at - pause[0]!.data.at >= 15, `the Pause lasted ${pause[1]!.data.at - pause[0]!.data.at} ms`);
    assert.equal(reader.ended, false, 'the reading client is still connected');

    // Reading at last, the stalled client finds a cut-off stream and the end of the connection.
    stalled.on('data', (chunk: Buffer) => { received += chunk.length; });
    stalled.resume();
    await eventually(() => closed, Boolean, 20_000);
    assert.ok(received < 30 * 1024 * 1024, `the server stopped sending after ${received} bytes`);
    await reader.close();
  });
});

describe('EventFeed history', () => {
  const account = newSid('AC');
  const call = newSid('CA');
  const setup = (options: { historySize?: number; historyBytes?: number }) => {
    const events = new CallEvents();
    const feed = new EventFeed(events, { ...options, accountOf: (sid) => (sid === call ? account : undefined) });
    const answer = (body: string) => events.emit('webhook-answered', { callSid: call, url: 'http://app/x', method: 'POST', ok: true, body, ms: 1, at: 0 });
    return { events, feed, answer };
  };
  const seqs = (feed: EventFeed, after: number) => {
    const sub = feed.subscribe(account, { push: () => {} }, after);
    sub.stop();
    return sub.reset ? 'reset' : sub.backlog.map((e) => e.seq);
  };

  it('keeps the last historySize events, consecutive, however many went by', () => {
    const { feed, answer } = setup({ historySize: 1500 });
    for (let i = 0; i < 5000; i++) answer('x');
    assert.equal(feed.lastSeq(account), 5000);
    assert.deepEqual(seqs(feed, 4997), [4998, 4999, 5000]);
    assert.equal((seqs(feed, 3500) as number[]).length, 1500);
    assert.equal((seqs(feed, 3500) as number[])[0], 3501);
    assert.equal(seqs(feed, 3499), 'reset');
    assert.deepEqual(seqs(feed, 5000), []);
    assert.equal(seqs(feed, 5001), 'reset');
  });

  it('bounds the history in bytes too: large webhook bodies push old events out sooner', () => {
    const { feed, answer } = setup({ historyBytes: 50_000 });
    for (let i = 0; i < 20; i++) answer('x'.repeat(10_000));
    // Each event costs a little over 10 kB: four fit in 50 kB.
    assert.deepEqual(seqs(feed, 16), [17, 18, 19, 20]);
    assert.equal(seqs(feed, 15), 'reset');
  });

  it('drops events of calls no account is known for, and forgets the verb of an ended call', () => {
    const { events, feed } = setup({});
    events.emit('verb-started', { callSid: newSid('CA'), verb: 'Say', at: 0 });
    assert.equal(feed.lastSeq(account), 0);
    events.emit('verb-started', { callSid: call, verb: 'Gather', at: 0 });
    assert.equal(feed.verbOf(call), 'Gather');
    events.emit('verb-ended', { callSid: call, verb: 'Gather', outcome: 'next', at: 0 });
    assert.equal(feed.verbOf(call), null);
  });
});

