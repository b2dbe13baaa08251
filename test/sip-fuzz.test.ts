import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { parseMessage } from '../src/sip/message/parse.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';

/** mulberry32: a tiny seeded PRNG, so a failing case is replayed by its seed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const CASES = Number(process.env.FUZZ_CASES ?? 400);

/** Valid requests to start from: each mutation breaks one in a different way. */
function seeds(port: number): string[] {
  const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', ''].join('\r\n');
  const base = (method: string, body = '', extra: string[] = []) => [
    `${method} sip:+15005550999@127.0.0.1:${port} SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKfuzz;rport', 'Max-Forwards: 70',
    'From: "Fuzz" <sip:fuzz@127.0.0.1>;tag=f1', `To: <sip:+15005550999@127.0.0.1:${port}>`, 'Call-ID: fuzz@127.0.0.1', `CSeq: 1 ${method}`,
    'Contact: <sip:fuzz@127.0.0.1:9>', ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body,
  ].join('\r\n');
  return [base('OPTIONS'), base('INVITE', sdp, ['Content-Type: application/sdp']), base('REGISTER', '', ['Expires: 60']), base('BYE'), base('CANCEL'), base('INFO', 'x', ['Content-Type: text/plain'])];
}

/** One mutation of `message`: the kinds of damage fuzzers and broken peers produce. */
function mutate(message: string, random: () => number): Buffer {
  const bytes = Buffer.from(message, 'latin1');
  const pick = (n: number) => Math.floor(random() * n);
  const lines = message.split('\r\n');
  switch (pick(8)) {
    case 0: for (let i = 0; i < 1 + pick(8); i++) bytes[pick(bytes.length)] = pick(256); return bytes;
    case 1: return bytes.subarray(0, pick(bytes.length));
    case 2: { const i = 1 + pick(lines.length - 3); lines.splice(i, 0, lines[i]!); return Buffer.from(lines.join('\r\n'), 'latin1'); }
    case 3: { lines.splice(1 + pick(lines.length - 3), 1); return Buffer.from(lines.join('\r\n'), 'latin1'); }
    case 4: { const i = 1 + pick(lines.length - 3); lines[i] = `${lines[i]!.split(':')[0]}: ${'\u00ff<>;,"'.repeat(1 + pick(40))}`; return Buffer.from(lines.join('\r\n'), 'latin1'); }
    case 5: return Buffer.concat([bytes, Buffer.alloc(pick(3000), pick(256))]);
    case 6: return Buffer.from(message.replace(/Content-Length: \d+/, `Content-Length: ${pick(100000) - 50}`), 'latin1');
    default: return Buffer.from(Array.from({ length: 1 + pick(600) }, () => pick(256)));
  }
}

describe('fuzzing the SIP port (seeded, bounded)', () => {
  let h: Harness;
  let port: number;
  before(async () => {
    const rtp = await freeUdpRange(20);
    h = await startHarness({ timeScale: 1, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0, mediaWorkers: 1 } });
    port = h.server.sip!.port;
  });
  after(() => h.close());

  it(`answers ${CASES} mutated datagrams (seed ${SEED}) with parseable responses and no 5xx but 501/505/513, and stays up`, async () => {
    const random = prng(SEED);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const answers: Buffer[] = [];
    socket.on('message', (message) => answers.push(message));
    const base = seeds(port);
    for (let i = 0; i < CASES; i++) {
      socket.send(mutate(base[Math.floor(random() * base.length)]!, random), port, '127.0.0.1');
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    socket.close();
    assert.ok(answers.length > CASES / 10, `only ${answers.length} answers: the fuzzer is not reaching the parser's answering paths`);
    for (const answer of answers) {
      const message = parseMessage(answer); // throws if we sent something unparseable
      assert.equal(message.kind, 'response');
      if (message.kind === 'response' && message.status >= 500) assert.ok([501, 505, 513].includes(message.status), answer.toString('latin1'));
    }
    const [, pong] = await Promise.all([null, optionsAnswer(port)]);
    assert.match(pong ?? '', /^SIP\/2\.0 200 /);
    assert.equal((await fetch(`${h.server.url}/health`)).status, 200);
  });
});

async function optionsAnswer(port: number): Promise<string | undefined> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const answer = new Promise<string | undefined>((resolve) => {
      socket.once('message', (m) => resolve(m.toString('latin1')));
      setTimeout(() => resolve(undefined), 2000);
    });
    socket.send(seeds(port)[0]!.replace('z9hG4bKfuzz', 'z9hG4bKalive').replace('fuzz@127.0.0.1\r\nCSeq', 'alive@127.0.0.1\r\nCSeq'), port, '127.0.0.1');
    return await answer;
  } finally {
    socket.close();
  }
}
