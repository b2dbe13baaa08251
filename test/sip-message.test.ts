import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  SipParseError, callIdOf, contactOf, cseqOf, formatNameAddr, formatUri, formatVia, fromOf, getHeader,
  getHeaders, makeResponse, maxForwardsOf, parseMessage, parseNameAddr, parseUri, parseVia,
  responseToParseError, serializeMessage, tagOf, toOf, topVia,
  validateRequest, validateResponse, type SipHeader, type SipMessage, type SipRequest, type SipResponse,
} from '../src/sip/message/index.js';

/** Every Via of `m`, parsed (a header may carry a comma-separated list). */
const vias = (m: SipMessage) => getHeaders(m.headers, 'Via').map(parseVia);
/** Replaces the value of the first `name` entry (tests editing a parsed message). */
const replaceHeader = (headers: SipHeader[], name: string, value: string) => {
  const at = headers.findIndex((h) => h.name.toLowerCase() === name.toLowerCase());
  headers[at] = { name: headers[at]!.name, value };
};

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/sip-torture/${name}.dat`, import.meta.url));
const parseRequest = (name: string): SipRequest => {
  const m = parseMessage(fixture(name));
  assert.equal(m.kind, 'request');
  return m as SipRequest;
};
const parseResponse = (name: string): SipResponse => {
  const m = parseMessage(fixture(name));
  assert.equal(m.kind, 'response');
  return m as SipResponse;
};

interface Expected {
  method?: string;
  status?: number;
  uri?: string;
  branch: string;
  callId: string;
  cseq: [number, string];
  fromTag?: string;
  toTag?: string;
  bodyLength: number;
}

/** RFC 4475 §3.1.1 (and the syntactically valid §3.3/§3.4 messages): key fields of each. */
const VALID: Record<string, Expected> = {
  wsinv: { method: 'INVITE', uri: 'sip:vivekg@chair-dnrc.example.com;unknownparam', branch: '390skdjuw', callId: 'wsinv.ndaksdj@192.0.2.1', cseq: [9, 'INVITE'], fromTag: '98asjd8', toTag: '1918181833n', bodyLength: 150 },
  intmeth: { method: "!interesting-Method0123456789_*+`.%indeed'~", branch: "z9hG4bK-.!%66*_+`'~", callId: 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{', cseq: [139122385, "!interesting-Method0123456789_*+`.%indeed'~"], fromTag: "_token~1'+`*%!-.", bodyLength: 0 },
  esc01: { method: 'INVITE', uri: 'sip:sips%3Auser%40example.com@example.net', branch: 'z9hG4bKkdjuw', callId: 'esc01.239409asdfakjkn23onasd0-3234', cseq: [234234, 'INVITE'], fromTag: '938', bodyLength: 150 },
  escnull: { method: 'REGISTER', uri: 'sip:example.com', branch: 'z9hG4bKkdjuw', callId: 'escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd', cseq: [14398234, 'REGISTER'], fromTag: '839923423', bodyLength: 0 },
  esc02: { method: 'RE%47IST%45R', uri: 'sip:registrar.example.com', branch: 'z9hG4bK209%fzsnel234', callId: 'esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf', cseq: [29344, 'RE%47IST%45R'], fromTag: 'f232jadfj23', bodyLength: 0 },
  lwsdisp: { method: 'OPTIONS', uri: 'sip:user@example.com', branch: 'z9hG4bKkdjuw', callId: 'lwsdisp.1234abcd@funky.example.com', cseq: [60, 'OPTIONS'], fromTag: '323', bodyLength: 0 },
  longreq: { method: 'INVITE', uri: 'sip:user@example.com', branch: '', callId: `longreq.one${'really'.repeat(20)}longcallid`, cseq: [3882340, 'INVITE'], fromTag: `12${'982'.repeat(50)}424`, bodyLength: 150 },
  dblreq: { method: 'REGISTER', uri: 'sip:example.com', branch: 'z9hG4bKkdjuw23492', callId: 'dblreq.0ha0isndaksdj99sdfafnl3lk233412', cseq: [8, 'REGISTER'], fromTag: '43251j3j324', bodyLength: 0 },
  semiuri: { method: 'OPTIONS', uri: 'sip:user;par=u%40example.net@example.com', branch: 'z9hG4bKkdjuw', callId: 'semiuri.0ha0isndaksdj', cseq: [8, 'OPTIONS'], fromTag: '33242', bodyLength: 0 },
  transports: { method: 'OPTIONS', uri: 'sip:user@example.com', branch: 'z9hG4bKkdjuw', callId: 'transports.kijh4akdnaqjkwendsasfdj', cseq: [60, 'OPTIONS'], fromTag: '323', bodyLength: 0 },
  mpart01: { method: 'MESSAGE', uri: 'sip:kumiko@example.org', branch: 'z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-', callId: '3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..', cseq: [1, 'MESSAGE'], fromTag: '2fb0dcc9', bodyLength: 514 },
  unreason: { status: 200, branch: 'z9hG4bK1324923', callId: 'unreason.1234ksdfak3j2erwedfsASdf', cseq: [35, 'INVITE'], fromTag: '11141343', toTag: '2229', bodyLength: 154 },
  noreason: { status: 100, branch: 'z9hG4bK2398ndaoe', callId: 'noreason.asndj203insdf99223ndf', cseq: [35, 'INVITE'], fromTag: '39ansfi3', toTag: '902jndnke3', bodyLength: 0 },
  badbranch: { method: 'OPTIONS', uri: 'sip:user@example.com', branch: 'z9hG4bK', callId: 'badbranch.sadonfo23i420jv0as0derf3j3n', cseq: [8, 'OPTIONS'], fromTag: '33242', bodyLength: 0 },
  zeromf: { method: 'OPTIONS', uri: 'sip:user@example.com', branch: 'z9hG4bKkdjuw2349i', callId: 'zeromf.jfasdlfnm2o2l43r5u0asdfas', cseq: [39234321, 'OPTIONS'], fromTag: '3ghsd41', bodyLength: 0 },
  cparam01: { method: 'REGISTER', uri: 'sip:example.com', branch: 'z9hG4bKkdjuw', callId: 'cparam01.70710@saturn.example.com', cseq: [2, 'REGISTER'], fromTag: 'DkfVgjkrtMwaerKKpe', bodyLength: 0 },
  cparam02: { method: 'REGISTER', uri: 'sip:example.com', branch: 'z9hG4bKkdjuw', callId: 'cparam02.70710@saturn.example.com', cseq: [3, 'REGISTER'], fromTag: '838293', bodyLength: 0 },
  unksm2: { method: 'REGISTER', uri: 'sip:example.com', branch: 'z9hG4bKkdjuw', callId: 'unksm2.daksdj@hyphenated-host.example.com', cseq: [234902, 'REGISTER'], fromTag: '3234233', bodyLength: 0 },
  regescrt: { method: 'REGISTER', uri: 'sip:example.com', branch: 'z9hG4bKkdjuw', callId: 'regescrt.k345asrl3fdbv@192.0.2.1', cseq: [14398234, 'REGISTER'], fromTag: '8', bodyLength: 0 },
  regaut01: { method: 'REGISTER', uri: 'sip:example.com', branch: 'z9hG4bKkdjuw', callId: 'regaut01.0ha0isndaksdj', cseq: [9338, 'REGISTER'], fromTag: '87321hj23128', bodyLength: 0 },
  bext01: { method: 'OPTIONS', uri: 'sip:user@example.com', branch: 'z9hG4bKkdjuw', callId: 'bext01.0ha0isndaksdj', cseq: [8, 'OPTIONS'], fromTag: '242etr', bodyLength: 0 },
  invut: { method: 'INVITE', uri: 'sip:user@example.com', branch: 'z9hG4bKkdjuw', callId: 'invut.0ha0isndaksdjadsfij34n23d', cseq: [235448, 'INVITE'], fromTag: '8392034', bodyLength: 40 },
  bcast: { status: 200, branch: 'z9hG4bK1324923', callId: 'bcast.0384840201234ksdfak3j2erwedfsASdf', cseq: [35, 'INVITE'], fromTag: '11141343', toTag: '2229', bodyLength: 154 },
};

/** RFC 4475 §3.1.2 (and §3.3) messages a UAS must refuse: thrown status, or the validator's reason. */
const INVALID: Record<string, { throws: number } | { flagged: RegExp }> = {
  badinv01: { flagged: /Via/ }, clerr: { throws: 400 }, ncl: { throws: 400 }, scalar02: { flagged: /CSeq/ },
  scalarlg: { flagged: /CSeq/ }, quotbal: { flagged: /To/ }, ltgtruri: { throws: 400 }, lwsruri: { throws: 400 },
  lwsstart: { throws: 400 }, trws: { throws: 400 }, escruri: { flagged: /Request-URI/ }, baddate: { flagged: /Date/ },
  regbadct: { flagged: /Contact/ }, badaspec: { flagged: /To/ }, baddn: { flagged: /From/ }, badvers: { throws: 505 },
  mismatch01: { flagged: /CSeq method/ }, mismatch02: { flagged: /CSeq method/ }, bigcode: { throws: 400 },
  insuf: { flagged: /Missing/ }, mcl01: { throws: 400 }, multi01: { flagged: /Multiple/ }, novelsc: { throws: 416 },
  unkscm: { throws: 416 },
};

function validate(m: SipMessage) {
  return m.kind === 'request' ? validateRequest(m) : validateResponse(m);
}

describe('RFC 4475 valid messages', () => {
  for (const [name, want] of Object.entries(VALID)) {
    test(`${name} parses, passes validation and exposes its key fields`, () => {
      const m = parseMessage(fixture(name));
      assert.equal(validate(m), undefined);
      if (want.method !== undefined) {
        assert.equal(m.kind, 'request');
        assert.equal((m as SipRequest).method, want.method);
        if (want.uri !== undefined) assert.equal(formatUri((m as SipRequest).uri), want.uri);
      } else {
        assert.equal(m.kind, 'response');
        assert.equal((m as SipResponse).status, want.status);
      }
      assert.equal(topVia(m).params.branch ?? '', want.branch);
      assert.equal(callIdOf(m), want.callId);
      assert.deepEqual(cseqOf(m), { seq: want.cseq[0], method: want.cseq[1] });
      assert.equal(tagOf(fromOf(m)), want.fromTag);
      assert.equal(tagOf(toOf(m)), want.toTag);
      assert.equal(m.body.length, want.bodyLength);
    });

    test(`${name} survives serialize → parse with the same start line, headers and body`, () => {
      const first = parseMessage(fixture(name));
      const again = parseMessage(serializeMessage(first));
      assert.equal(again.kind, first.kind);
      if (first.kind === 'request' && again.kind === 'request') {
        assert.equal(again.method, first.method);
        assert.deepEqual(again.uri, first.uri);
      }
      const withoutLength = (h: { name: string }[]) => h.filter((x) => x.name !== 'Content-Length');
      assert.deepEqual(withoutLength(again.headers), withoutLength(first.headers));
      assert.deepEqual(again.body, first.body);
      assert.equal(getHeader(again.headers, 'Content-Length'), String(first.body.length));
    });
  }

  test('wsinv: folding, LWS, compact forms and mixed Via lists are all understood', () => {
    const m = parseRequest('wsinv');
    assert.deepEqual(vias(m).map((v) => [v.transport, v.host, v.params.branch]), [
      ['UDP', '192.0.2.2', '390skdjuw'], ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'], ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    assert.equal(fromOf(m).displayName, 'J Rosenberg \\"');
    assert.equal(maxForwardsOf(m), 68);
    assert.equal(getHeader(m.headers, 'Subject'), '');
    assert.equal(getHeader(m.headers, 'newfangledheader'), 'newfangled value continued newfangled value');
    assert.equal(getHeader(m.headers, 'UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    const contact = contactOf(m)!;
    assert.equal(contact.displayName, 'Quoted string ""');
    assert.deepEqual(contact.params, { newparam: 'newvalue', secondparam: null, q: '0.33' });
    assert.deepEqual(parseNameAddr(getHeader(m.headers, 'Route')!).uri.params, { lr: null, unknownwith: 'value', 'unknown-no-value': null });
    assert.deepEqual(m.uri.params, { unknownparam: null });
  });

  test('intmeth: control characters in a quoted display name and UTF-8 values survive', () => {
    const m = parseRequest('intmeth');
    assert.equal(toOf(m).displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(m.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(m.uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(fromOf(m).displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(fromOf(m).params["fromparam''~+*_!.-%"], '"работающий"');
    assert.equal(getHeader(m.headers, "extensionHeader-!.%*+_`'~"), '\ufeff大停電');
  });

  test('esc01 and escnull: URI escapes are resolved once, NULs included', () => {
    const m = parseRequest('esc01');
    assert.equal(m.uri.user, 'sips:user@example.com');
    assert.equal(toOf(m).uri.user, 'user');
    assert.equal(fromOf(m).uri.user, 'I have spaces');
    assert.deepEqual(contactOf(m)!.uri.params, { lr: null, name: 'value%41' });
    assert.equal(contactOf(m)!.uri.user, 'caller');
    const n = parseRequest('escnull');
    assert.equal(toOf(n).uri.user, 'null-\x00-null');
    assert.deepEqual(getHeaders(n.headers, 'Contact').map((c) => parseNameAddr(c).uri.user), ['\x00', '\x00\x00']);
    assert.equal(formatUri(toOf(n).uri), 'sip:null-%00-null@example.com');
  });

  test('esc02: % is only an escape inside URIs', () => {
    const m = parseRequest('esc02');
    assert.equal(toOf(m).displayName, '%Z%45');
    assert.equal(getHeaders(m.headers, 'Contact').length, 2);
    assert.equal(getHeader(m.headers, 'C%6Fntact'), '<sip:alias2@host2.example.com>');
  });

  test('semiuri, longreq, dblreq, transports: URI users with ";", 34 Vias, trailing noise dropped', () => {
    assert.equal(parseRequest('semiuri').uri.user, 'user;par=u@example.net');
    assert.equal(getHeaders(parseRequest('semiuri').headers, 'Accept').length, 6);
    const long = parseRequest('longreq');
    assert.equal(vias(long).length, 34);
    assert.equal(toOf(long).uri.port, 6000);
    assert.equal(vias(long)[33]!.params.received, '192.0.2.5');
    assert.equal(parseRequest('dblreq').body.length, 0);
    assert.deepEqual(vias(parseRequest('transports')).map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  test('mpart01 keeps its binary body byte for byte; unreason and noreason keep their reason phrases', () => {
    const raw = fixture('mpart01');
    const m = parseRequest('mpart01');
    assert.deepEqual(m.body, raw.subarray(raw.length - 514));
    assert.ok(m.body.includes(Buffer.from([0, 0, 1])));
    assert.equal(topVia(m).params.rport, null);
    assert.equal(parseResponse('unreason').reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
    assert.equal(parseResponse('noreason').reason, '');
  });

  test('unksm2: URIs of unknown schemes are kept opaque', () => {
    const m = parseRequest('unksm2');
    assert.deepEqual(toOf(m).uri, { scheme: 'isbn', host: '', params: {}, headers: {}, opaque: '2983792873' });
    assert.equal(formatUri(fromOf(m).uri), 'http://www.example.com');
    assert.equal(contactOf(m)!.uri.opaque, 'John_Smith');
  });
});

describe('RFC 4475 invalid messages', () => {
  for (const [name, want] of Object.entries(INVALID)) {
    test(`${name} is refused`, () => {
      if ('throws' in want) {
        assert.throws(() => parseMessage(fixture(name)), (err: unknown) => err instanceof SipParseError && err.status === want.throws);
      } else {
        const problem = validate(parseMessage(fixture(name)));
        assert.ok(problem, 'expected a validation problem');
        assert.equal(problem.status, 400);
        assert.match(problem.reason, want.flagged);
      }
    });
  }

  test('a parse error carries what a UAS needs to answer it (badvers → 505)', () => {
    let caught: SipParseError | undefined;
    try {
      parseMessage(fixture('badvers'));
    } catch (err) {
      caught = err as SipParseError;
    }
    assert.ok(caught instanceof SipParseError);
    assert.equal(caught.method, 'OPTIONS');
    assert.deepEqual(caught.headers.map((h) => h.name), ['Via', 'From', 'To', 'Call-ID', 'CSeq']);
    const res = responseToParseError(caught, 'srv1')!;
    assert.equal(res.status, 505);
    assert.equal(res.reason, 'Version Not Supported');
    assert.equal(getHeader(res.headers, 'Call-ID'), 'badvers.31417@c.example.com');
    assert.equal(tagOf(toOf(res)), 'srv1');
  });

  test('no response is built for a malformed ACK or a malformed response', () => {
    const ack = Buffer.from('ACK sip:a@b SIP/3.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: c\r\nCSeq: 1 ACK\r\n\r\n');
    assert.throws(() => parseMessage(ack), (err: unknown) => err instanceof SipParseError && responseToParseError(err) === undefined);
    assert.throws(() => parseMessage(fixture('bigcode')), (err: unknown) => err instanceof SipParseError && err.kind === 'response' && responseToParseError(err) === undefined);
  });
});

describe('framing', () => {
  const lf = 'OPTIONS sip:a@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:b@example.com>;tag=1\nTo: <sip:a@example.com>\nCall-ID: lf\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 4\n\nbodyEXTRA';

  test('bare LF line ends are accepted and the body is cut at Content-Length', () => {
    const m = parseMessage(Buffer.from(lf));
    assert.equal(validate(m), undefined);
    assert.equal(m.body.toString(), 'body');
  });

  test('leading CRLFs before the start line are ignored; a keep-alive alone is an error', () => {
    assert.equal(callIdOf(parseMessage(Buffer.from('\r\n\r\n' + lf))), 'lf');
    assert.throws(() => parseMessage(Buffer.from('\r\n\r\n')), SipParseError);
  });

  test('without Content-Length the datagram body runs to its end', () => {
    const m = parseMessage(Buffer.from(lf.replace('Content-Length: 4\n', '')));
    assert.equal(m.body.toString(), 'bodyEXTRA');
  });

  test('serializing always writes the true Content-Length, whatever the headers said', () => {
    const m = parseMessage(Buffer.from(lf));
    replaceHeader(m.headers, 'Content-Length', '999');
    m.body = Buffer.from('hello!');
    const wire = serializeMessage(m).toString();
    assert.match(wire, /\r\nContent-Length: 6\r\n\r\nhello!$/);
    assert.equal(wire.match(/Content-Length/g)!.length, 1);
  });
});

describe('headers and fields', () => {
  test('lookups ignore case and accept compact forms, and keep order', () => {
    const h = [
      { name: 'Call-ID', value: 'x' }, { name: 'v', value: 'SIP/2.0/UDP b;branch=z9hG4bK2' },
      { name: 'Via', value: 'SIP/2.0/UDP a;branch=z9hG4bK1' },
    ];
    assert.equal(getHeader(h, 'i'), 'x');
    assert.equal(getHeader(h, 'CALL-id'), 'x');
    assert.deepEqual(getHeaders(h, 'VIA'), ['SIP/2.0/UDP b;branch=z9hG4bK2', 'SIP/2.0/UDP a;branch=z9hG4bK1']);
    assert.equal(getHeader(h, 'm'), undefined);
  });

  test('URIs format back to parseable text: IPv6, ports, escapes, params, headers', () => {
    for (const text of ['sip:alice@[2001:db8::1]:5070;transport=tcp', 'sips:bob:pw@example.com;lr?subject=hi%20there&x=1', 'tel:+15005550006;phone-context=x']) {
      assert.equal(formatUri(parseUri(text)), text);
    }
    assert.equal(parseUri('sip:[::1]').host, '::1');
    assert.equal(formatUri({ scheme: 'sip', user: 'a b@c', host: 'h', params: {}, headers: {} }), 'sip:a%20b%40c@h');
    for (const bad of ['sip:', 'sip:a@', 'sip:host:99999', 'sip:h o', 'sip:a%zz@h', '1sip:h', 'sip:[::1']) {
      assert.throws(() => parseUri(bad), SipParseError, bad);
    }
  });

  test('Via and name-addr format back to what they parsed from', () => {
    const via = parseVia('SIP/2.0/udp [2001:db8::9]:5060;branch=z9hG4bKabc;rport;received=10.0.0.1');
    assert.equal(via.transport, 'UDP');
    assert.equal(formatVia(via), 'SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKabc;rport;received=10.0.0.1');
    const na = parseNameAddr('"Alice \\"A\\"" <sip:alice@example.com;transport=tcp>;tag=9');
    assert.equal(formatNameAddr(na), '"Alice \\"A\\"" <sip:alice@example.com;transport=tcp>;tag=9');
    assert.deepEqual(parseNameAddr(formatNameAddr(na)), na);
  });
});

describe('makeResponse (RFC 3261 §8.2.6.2)', () => {
  const invite = (): SipRequest => parseMessage(Buffer.from(
    'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP p1;branch=z9hG4bK1, SIP/2.0/UDP uac;branch=z9hG4bK0\r\n' +
    'Record-Route: <sip:p1;lr>\r\nFrom: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>\r\nCall-ID: mr\r\n' +
    'CSeq: 4 INVITE\r\nMax-Forwards: 69\r\nTimestamp: 54\r\nContent-Length: 0\r\n\r\n')) as SipRequest;

  test('a 180 copies every Via, From, Call-ID, CSeq and Record-Route and tags To', () => {
    const req = invite();
    const before = { ...req, uri: structuredClone(req.uri), headers: req.headers.map((h) => ({ ...h })), body: Buffer.from(req.body) };
    const res = makeResponse(req, 180, undefined, { toTag: 'b' });
    assert.deepEqual(req, before);
    assert.equal(res.reason, 'Ringing');
    assert.deepEqual(getHeaders(res.headers, 'Via'), getHeaders(req.headers, 'Via'));
    assert.equal(getHeader(res.headers, 'Record-Route'), '<sip:p1;lr>');
    assert.equal(tagOf(toOf(res)), 'b');
    assert.equal(getHeader(res.headers, 'Timestamp'), undefined);
    assert.equal(validateResponse(res), undefined);
  });

  test('a 486 carries no Record-Route; a 100 echoes Timestamp; an existing To tag is kept', () => {
    const req = invite();
    assert.equal(getHeader(makeResponse(req, 486).headers, 'Record-Route'), undefined);
    assert.equal(getHeader(makeResponse(req, 100).headers, 'Timestamp'), '54');
    replaceHeader(req.headers, 'To', '<sip:bob@example.com>;tag=old');
    assert.equal(tagOf(toOf(makeResponse(req, 200, 'OK', { toTag: 'new' }))), 'old');
  });

  test('a body and content type are attached', () => {
    const res = makeResponse(invite(), 200, undefined, { toTag: 'b', body: Buffer.from('v=0\r\n'), contentType: 'application/sdp', headers: [{ name: 'Contact', value: '<sip:uas@h>' }] });
    const wire = parseMessage(serializeMessage(res));
    assert.equal(getHeader(wire.headers, 'Content-Type'), 'application/sdp');
    assert.equal(wire.body.toString(), 'v=0\r\n');
    assert.equal(contactOf(wire)!.uri.user, 'uas');
    assert.deepEqual(getHeaders(wire.headers, 'Record-Route').map((r) => parseNameAddr(r).uri.host), ['p1']);
  });
});

describe('robustness', () => {
  /** Deterministic PRNG (mulberry32) so a failing case can be replayed. */
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const SPECIAL = Buffer.from(' \t\r\n:;,<>"\\%@=?[]/0\x00\xff');

  function mutate(input: Buffer, random: () => number): Buffer {
    let out = Buffer.from(input);
    const edits = 1 + Math.floor(random() * 6);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * (out.length + 1));
      const kind = Math.floor(random() * 5);
      if (kind === 0) out[Math.min(at, out.length - 1)] = Math.floor(random() * 256);
      else if (kind === 1) out = Buffer.concat([out.subarray(0, at), SPECIAL.subarray(Math.floor(random() * SPECIAL.length)).subarray(0, 1), out.subarray(at)]);
      else if (kind === 2) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + Math.floor(random() * 8))]);
      else if (kind === 3) out = out.subarray(0, at);
      else {
        const from = Math.floor(random() * out.length);
        out = Buffer.concat([out.subarray(0, at), out.subarray(from, from + Math.floor(random() * 40)), out.subarray(at)]);
      }
    }
    return out;
  }

  test('2,000 mutated torture messages either parse or raise SipParseError, never anything else', () => {
    const seeds = [...Object.keys(VALID)].map(fixture);
    const random = rng(4475);
    let parsed = 0;
    for (let n = 0; n < 2000; n++) {
      const input = mutate(seeds[n % seeds.length]!, random);
      let m: SipMessage;
      try {
        m = parseMessage(input);
      } catch (err) {
        assert.ok(err instanceof SipParseError, `case ${n}: ${String(err)}`);
        continue;
      }
      parsed++;
      assert.doesNotThrow(() => validate(m), `case ${n}`);
      const routes = (x: SipMessage) => [...getHeaders(x.headers, 'Route'), ...getHeaders(x.headers, 'Record-Route')].map(parseNameAddr);
      for (const read of [topVia, fromOf, toOf, cseqOf, callIdOf, contactOf, vias, routes, maxForwardsOf]) {
        try {
          read(m);
        } catch (err) {
          assert.ok(err instanceof SipParseError, `case ${n}: ${String(err)}`);
        }
      }
      const again = parseMessage(serializeMessage(m));
      assert.deepEqual(again.body, m.body, `case ${n}`);
      const content = (x: SipMessage) => x.headers.filter((h) => h.name !== 'Content-Length');
      assert.deepEqual(content(again), content(m), `case ${n}`);
    }
    assert.ok(parsed > 200, `only ${parsed} mutated messages parsed; the fuzz is not reaching deep code`);
  });
});
