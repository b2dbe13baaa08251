import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'sdp-transform';
import { answerOffer, createOffer, readAnswer, type LocalMedia, type NegotiatedMedia } from '../src/sip/sdp.js';

const LOCAL: LocalMedia = { address: '127.0.0.1', port: 20000, sessionId: '4242', version: 1 };
const sdp = (...lines: string[]) => lines.join('\r\n') + '\r\n';

/** What `sipp -sn uac` sends (sipp 3.6.1's built-in scenario): PCMU only, no telephone-event. */
const SIPP_UAC = sdp(
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
);

/** Shaped like baresip 1.0's offer: wideband codecs first, then G.711 and telephone-event 101. */
const BARESIP = sdp(
  'v=0',
  'o=- 1283468593 3390906412 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 10000 RTP/AVP 111 9 0 8 101',
  'b=AS:128',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 stereo=1;sprop-stereo=1',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=rtcp-rsize',
  'a=ptime:20',
  'a=sendrecv',
);

/** PCMA preferred, static payload types without rtpmap, telephone-event on 96, c= only at media level. */
const PCMA_PT96 = sdp(
  'v=0',
  'o=carrier 1 1 IN IP4 192.0.2.10',
  's=call',
  't=0 0',
  'm=audio 4000 RTP/AVP 8 0 96',
  'c=IN IP4 192.0.2.20',
  'a=rtpmap:96 telephone-event/8000',
  'a=fmtp:96 0-16',
);

function offerWith(mediaLines: string[], session: string[] = ['c=IN IP4 127.0.0.1']): string {
  return sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', ...session, 't=0 0', ...mediaLines);
}
const AUDIO = ['m=audio 4000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000'];

function accepted(result: ReturnType<typeof answerOffer>): { sdp: string; media: NegotiatedMedia } {
  assert.ok('sdp' in result, `expected an answer, got ${JSON.stringify(result)}`);
  return result;
}

describe('answerOffer', () => {
  it("answers sipp's built-in UAC offer with PCMU and no telephone-event", () => {
    const { sdp: answer, media } = accepted(answerOffer(SIPP_UAC, LOCAL));
    assert.deepEqual(media, { remoteAddress: '127.0.0.1', remotePort: 6000, payloadType: 0, codec: 'PCMU', send: true, receive: true });
    const parsed = parse(answer);
    assert.equal(parsed.origin?.address, '127.0.0.1');
    assert.equal(parsed.connection?.ip, '127.0.0.1');
    assert.equal(parsed.media.length, 1);
    const [m] = parsed.media;
    assert.equal(m.port, 20000);
    assert.equal(m.protocol, 'RTP/AVP');
    assert.equal(String(m.payloads), '0', 'sdp-transform reads a lone payload type as a number');
    assert.deepEqual(m.rtp, [{ payload: 0, codec: 'PCMU', rate: 8000 }]);
    assert.equal(m.ptime, 20);
    assert.equal(m.direction, 'sendrecv');
    assert.ok(answer.endsWith('\r\n') && !/[^\r]\n/.test(answer), 'CRLF line ends');
  });

  it('picks PCMU from a baresip offer that lists other codecs first, with its telephone-event 101', () => {
    const { sdp: answer, media } = accepted(answerOffer(BARESIP, LOCAL));
    assert.equal(media.codec, 'PCMU');
    assert.equal(media.payloadType, 0);
    assert.equal(media.telephoneEventPt, 101);
    assert.equal(media.remotePort, 10000);
    const [m] = parse(answer).media;
    assert.equal(m.payloads, '0 101');
    assert.deepEqual(m.fmtp, [{ payload: 101, config: '0-15' }]);
  });

  it("keeps the offerer's order (PCMA first), reads static types without rtpmap and telephone-event on 96", () => {
    const { sdp: answer, media } = accepted(answerOffer(PCMA_PT96, LOCAL));
    assert.deepEqual(media, {
      remoteAddress: '192.0.2.20', remotePort: 4000, payloadType: 8, codec: 'PCMA', telephoneEventPt: 96, send: true, receive: true,
    });
    const [m] = parse(answer).media;
    assert.equal(m.payloads, '8 96');
    assert.deepEqual(m.rtp, [{ payload: 8, codec: 'PCMA', rate: 8000 }, { payload: 96, codec: 'telephone-event', rate: 8000 }]);
  });

  it('skips a static type whose rtpmap names another codec', () => {
    const offer = offerWith(['m=audio 4000 RTP/AVP 0 8', 'a=rtpmap:0 G729/8000', 'a=rtpmap:8 PCMA/8000']);
    assert.equal(accepted(answerOffer(offer, LOCAL)).media.codec, 'PCMA');
  });

  const holds: Array<[string, string[], string[], string, boolean, boolean]> = [
    ['sendonly (hold)', [...AUDIO, 'a=sendonly'], ['c=IN IP4 127.0.0.1'], 'recvonly', false, true],
    ['inactive', [...AUDIO, 'a=inactive'], ['c=IN IP4 127.0.0.1'], 'inactive', false, false],
    ['recvonly', [...AUDIO, 'a=recvonly'], ['c=IN IP4 127.0.0.1'], 'sendonly', true, false],
    ['c=0.0.0.0 (RFC 2543 hold)', AUDIO, ['c=IN IP4 0.0.0.0'], 'recvonly', false, true],
    ['session-level sendonly', AUDIO, ['c=IN IP4 127.0.0.1', 'a=sendonly'], 'recvonly', false, true],
  ];
  for (const [name, media, session, answerDirection, send, receive] of holds) {
    it(`answers a ${name} offer with ${answerDirection}`, () => {
      const result = accepted(answerOffer(offerWith(media, session), LOCAL));
      assert.equal(result.media.send, send);
      assert.equal(result.media.receive, receive);
      assert.equal(parse(result.sdp).media[0].direction, answerDirection);
    });
  }

  it('refuses a video stream with port 0 and keeps the m= lines in order', () => {
    const offer = offerWith([
      'm=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000',
      ...AUDIO,
      'm=audio 4002 RTP/AVP 8', 'a=rtpmap:8 PCMA/8000',
    ]);
    const { sdp: answer, media } = accepted(answerOffer(offer, LOCAL));
    assert.equal(media.remotePort, 4000, 'the first acceptable audio stream');
    const lines = parse(answer).media;
    assert.deepEqual(lines.map((m) => [m.type, m.port, m.protocol, String(m.payloads)]), [
      ['video', 0, 'RTP/AVP', '96'],
      ['audio', 20000, 'RTP/AVP', '0 101'],
      ['audio', 0, 'RTP/AVP', '8'],
    ]);
  });

  it('takes the next audio stream when the first has no usable codec', () => {
    const offer = offerWith(['m=audio 4000 RTP/AVP 9', 'a=rtpmap:9 G722/8000', 'm=audio 4002 RTP/AVP 8']);
    const { sdp: answer, media } = accepted(answerOffer(offer, LOCAL));
    assert.equal(media.remotePort, 4002);
    assert.deepEqual(parse(answer).media.map((m) => m.port), [0, 20000]);
  });

  it('answers 488 when no audio stream offers PCMU or PCMA over plain RTP', () => {
    const g722 = offerWith(['m=audio 4000 RTP/AVP 9 111', 'a=rtpmap:9 G722/8000', 'a=rtpmap:111 opus/48000/2']);
    assert.equal((answerOffer(g722, LOCAL) as { error: number }).error, 488);
    const srtp = offerWith(['m=audio 4000 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc']);
    assert.equal((answerOffer(srtp, LOCAL) as { error: number }).error, 488);
    const videoOnly = offerWith(['m=video 5000 RTP/AVP 96']);
    assert.equal((answerOffer(videoOnly, LOCAL) as { error: number }).error, 488);
  });

  it('answers 488 to text that is not SDP, and to an audio stream without a usable connection address or port', () => {
    for (const garbage of ['', 'hello world', 'INVITE sip:x SIP/2.0\r\n\r\n', 'v=1\r\nm=audio 1 RTP/AVP 0\r\n']) {
      const result = answerOffer(garbage, LOCAL);
      assert.ok('error' in result && result.error === 488, `${JSON.stringify(garbage)} → ${JSON.stringify(result)}`);
    }
    const noConnection = sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0');
    assert.deepEqual(answerOffer(noConnection, LOCAL), { error: 488, reason: 'the audio stream has no c= connection address' });
    const hostName = sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 media.example.com', 't=0 0', 'm=audio 4000 RTP/AVP 0');
    assert.match((answerOffer(hostName, LOCAL) as { reason: string }).reason, /not an IP address/);
    const badPort = sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 70000 RTP/AVP 0');
    assert.match((answerOffer(badPort, LOCAL) as { reason: string }).reason, /not a UDP port/);
  });

  it('ignores a telephone-event on a static payload type (RFC 4733 uses a dynamic one)', () => {
    const offer = sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0 13', 'a=rtpmap:13 telephone-event/8000');
    const answered = answerOffer(offer, LOCAL);
    assert.ok('media' in answered);
    assert.equal(answered.media.telephoneEventPt, undefined);
  });

  it('writes the session version it is given in o=', () => {
    const answer = accepted(answerOffer(SIPP_UAC, { ...LOCAL, version: 7 })).sdp;
    assert.equal(parse(answer).origin?.sessionVersion, 7);
    assert.match(answer, /^o=- 4242 7 IN IP4 127\.0\.0\.1\r$/m);
  });

  it('writes IP6 addresses for an IPv6 local address', () => {
    const answer = accepted(answerOffer(SIPP_UAC, { ...LOCAL, address: '::1' })).sdp;
    assert.deepEqual(parse(answer).connection, { version: 6, ip: '::1' });
  });
});

describe('createOffer', () => {
  it('offers PCMU, PCMA and telephone-event 101 at 20 ms, sendrecv', () => {
    const parsed = parse(createOffer(LOCAL));
    assert.equal(parsed.origin?.sessionVersion, 1);
    const [m] = parsed.media;
    assert.equal(m.port, 20000);
    assert.equal(m.payloads, '0 8 101');
    assert.deepEqual(m.rtp.map((r) => `${r.payload} ${r.codec}/${r.rate}`), ['0 PCMU/8000', '8 PCMA/8000', '101 telephone-event/8000']);
    assert.deepEqual(m.fmtp, [{ payload: 101, config: '0-16' }]);
    assert.equal(m.ptime, 20);
    assert.equal(m.direction, 'sendrecv');
  });

  it('offers only the codecs asked for, in that order, and a hold direction', () => {
    const [m] = parse(createOffer(LOCAL, ['PCMA'], 'sendonly')).media;
    assert.equal(m.payloads, '8 101');
    assert.equal(m.direction, 'sendonly');
  });

  it('is answered by answerOffer into media both sides agree on', () => {
    const offer = createOffer({ ...LOCAL, port: 30000 }, ['PCMA', 'PCMU']);
    const answer = accepted(answerOffer(offer, LOCAL));
    assert.equal(answer.media.codec, 'PCMA');
    assert.equal(answer.media.telephoneEventPt, 101);
    assert.deepEqual(readAnswer(answer.sdp), { ...answer.media, remotePort: 20000 });
  });
});

describe('readAnswer', () => {
  it('reads the codec, telephone-event type and remote address of an answer', () => {
    const media = readAnswer(offerWith(['m=audio 7000 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=ptime:20']));
    assert.deepEqual(media, {
      remoteAddress: '127.0.0.1', remotePort: 7000, payloadType: 8, codec: 'PCMA', telephoneEventPt: 101, send: true, receive: true,
    });
  });

  it('turns the answerer’s direction into ours', () => {
    const recvonly = readAnswer(offerWith([...AUDIO, 'a=recvonly'])) as NegotiatedMedia;
    assert.deepEqual([recvonly.send, recvonly.receive], [true, false]);
    const held = readAnswer(offerWith(AUDIO, ['c=IN IP4 0.0.0.0'])) as NegotiatedMedia;
    assert.deepEqual([held.send, held.receive], [false, true]);
  });

  it('reports a refused stream, an answer without G.711 and text that is not SDP as errors', () => {
    assert.match((readAnswer(offerWith(['m=audio 0 RTP/AVP 0'])) as { error: string }).error, /port 0/);
    assert.match((readAnswer(offerWith(['m=audio 7000 RTP/AVP 9'])) as { error: string }).error, /neither PCMU nor PCMA/);
    assert.match((readAnswer('garbage') as { error: string }).error, /not SDP/);
  });
});

describe('SDP robustness', () => {
  /** mulberry32: a small seeded generator, so a failure can be replayed. */
  function random(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const TOKENS = ['0', '8', '101', '96', '', ' ', 'x', '0.0.0.0', '-1', '65536', 'audio', 'IP6', '/', ':', '\n', '99999999999999999999'];

  function mutate(text: string, next: () => number): string {
    const lines = text.split('\r\n');
    for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
      const at = Math.floor(next() * lines.length);
      const roll = next();
      if (roll < 0.25) lines.splice(at, 1);
      else if (roll < 0.4) lines.splice(at, 0, lines[Math.floor(next() * lines.length)] ?? '');
      else if (roll < 0.9) {
        const words = (lines[at] ?? '').split(/([ =:/])/);
        words[Math.floor(next() * words.length)] = TOKENS[Math.floor(next() * TOKENS.length)];
        lines[at] = words.join('');
      } else return lines.join('\r\n').slice(0, Math.floor(next() * text.length));
    }
    return lines.join('\r\n');
  }

  it('never throws on mangled offers and answers, and every answer keeps the offer’s m= lines', () => {
    const next = random(20260301);
    for (let i = 0; i < 3000; i++) {
      const seedSdp = [SIPP_UAC, BARESIP, PCMA_PT96, createOffer(LOCAL)][i % 4];
      const mangled = mutate(seedSdp, next);
      const result = answerOffer(mangled, LOCAL);
      if ('sdp' in result) {
        assert.equal(parse(result.sdp).media.length, parse(mangled).media.length, `case ${i}: ${JSON.stringify(mangled)}`);
        assert.ok(result.media.payloadType === 0 || result.media.payloadType === 8);
        assert.equal(typeof result.media.remoteAddress, 'string');
      } else {
        assert.equal(result.error, 488, `case ${i}`);
      }
      const read = readAnswer(mangled);
      assert.ok('error' in read ? typeof read.error === 'string' : read.codec === 'PCMU' || read.codec === 'PCMA');
    }
  });
});
