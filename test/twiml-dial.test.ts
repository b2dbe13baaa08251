import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import twilio from 'twilio';
import { parseDial } from '../src/twiml/parse-dial.js';
import type { DialNumber, DialVerb, TwimlWarning, UnsupportedVerb } from '../src/twiml/verbs.js';
import { readXml, type XmlElement } from '../src/twiml/xml.js';

const { VoiceResponse } = twilio.twiml;

/** Parses one `<Dial>` element and returns what it became with the warnings it raised. */
function read(xml: string): { verb: DialVerb | UnsupportedVerb; warnings: TwimlWarning[]; codes: number[] } {
  const warnings: TwimlWarning[] = [];
  const verb = parseDial(readXml(xml), (w) => warnings.push(w));
  return { verb, warnings, codes: warnings.map((w) => w.code) };
}

function dial(xml: string): { verb: DialVerb; codes: number[]; warnings: TwimlWarning[] } {
  const { verb, warnings, codes } = read(xml);
  assert.equal(verb.kind, 'Dial', JSON.stringify(verb));
  return { verb: verb as DialVerb, warnings, codes };
}

const numberNoun = (number: string, extra: Partial<DialNumber> = {}): DialNumber => ({
  kind: 'Number', number, sendDigits: null, url: null, method: 'POST',
  statusCallback: null, statusCallbackMethod: 'POST', statusCallbackEvents: ['completed'], ...extra,
});

const DEFAULTS: Omit<DialVerb, 'nouns'> = {
  kind: 'Dial', action: null, method: 'POST', timeoutSec: 30, timeLimitSec: 14400, callerId: null,
  hangupOnStar: false, answerOnBridge: false, record: 'do-not-record', recordingStatusCallback: null,
  recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvents: ['completed'], recordingTrack: 'both',
  trim: false, ringTone: null, sequential: false,
};

describe('<Dial> attributes', () => {
  it('a bare <Dial> with a number gets every default of Twilio’s docs, without warnings', () => {
    const { verb, codes } = dial('<Dial>+14155550100</Dial>');
    assert.deepEqual(verb, { ...DEFAULTS, nouns: [numberNoun('+14155550100')] });
    assert.deepEqual(codes, []);
  });

  it('reads every attribute a Twilio app sets', () => {
    const { verb, codes } = dial(`<Dial action="/after" method="GET" timeout="12" timeLimit="600" callerId="+14155550199"
      hangupOnStar="true" answerOnBridge="true" record="record-from-ringing-dual" recordingStatusCallback="https://app.test/rec"
      recordingStatusCallbackMethod="GET" recordingStatusCallbackEvent="in-progress completed absent" recordingTrack="inbound"
      trim="trim-silence" ringTone="uk" sequential="true">+14155550100</Dial>`);
    assert.deepEqual(verb, {
      kind: 'Dial', action: '/after', method: 'GET', timeoutSec: 12, timeLimitSec: 600, callerId: '+14155550199',
      hangupOnStar: true, answerOnBridge: true, record: 'record-from-ringing-dual', recordingStatusCallback: 'https://app.test/rec',
      recordingStatusCallbackMethod: 'GET', recordingStatusCallbackEvents: ['in-progress', 'completed', 'absent'], recordingTrack: 'inbound',
      trim: true, ringTone: 'uk', sequential: true, nouns: [numberNoun('+14155550100')],
    });
    assert.deepEqual(codes, []);
  });

  it('a bad value is its Twilio warning code, and the Dial runs with the default', () => {
    const cases: [string, string, number, keyof DialVerb, unknown][] = [
      ['method', 'PUT', 13210, 'method', 'POST'],
      ['timeout', 'soon', 13212, 'timeoutSec', 30],
      ['hangupOnStar', 'yes', 13213, 'hangupOnStar', false],
      ['callerId', 'not a number', 13214, 'callerId', null],
      ['timeLimit', '0', 13216, 'timeLimitSec', 14400],
      ['record', 'always', 13217, 'record', 'do-not-record'],
      ['sequential', '1', 13218, 'sequential', false],
      ['answerOnBridge', 'on', 13219, 'answerOnBridge', false],
      ['ringTone', 'xx', 13220, 'ringTone', null],
      ['recordingStatusCallback', 'ftp://files.test/x', 13256, 'recordingStatusCallback', null],
      ['recordingStatusCallbackMethod', 'DELETE', 13210, 'recordingStatusCallbackMethod', 'POST'],
      ['recordingStatusCallbackEvent', 'started', 13621, 'recordingStatusCallbackEvents', ['completed']],
      ['recordingTrack', 'left', 13622, 'recordingTrack', 'both'],
      ['trim', 'yes', 13699, 'trim', false],
    ];
    for (const [name, value, code, field, fallback] of cases) {
      const { verb, codes } = dial(`<Dial ${name}="${value}">+14155550100</Dial>`);
      assert.deepEqual(codes, [code], name);
      assert.deepEqual(verb[field], fallback, name);
    }
  });

  it('a timeout outside 5–600 s is brought into range with 13212; a timeLimit over 4 h is capped with 13216', () => {
    assert.equal(dial('<Dial timeout="2">+14155550100</Dial>').verb.timeoutSec, 5);
    assert.equal(dial('<Dial timeout="900">+14155550100</Dial>').verb.timeoutSec, 600);
    assert.deepEqual(dial('<Dial timeout="900">+14155550100</Dial>').codes, [13212]);
    const limited = dial('<Dial timeLimit="86400">+14155550100</Dial>');
    assert.equal(limited.verb.timeLimitSec, 14400);
    assert.deepEqual(limited.codes, [13216]);
  });

  it('record="true" records from answer and record="false" does not record', () => {
    assert.equal(dial('<Dial record="true">+14155550100</Dial>').verb.record, 'record-from-answer');
    assert.equal(dial('<Dial record="false">+14155550100</Dial>').verb.record, 'do-not-record');
  });

  it('a relative recordingStatusCallback is kept, to be resolved against the document URL', () => {
    assert.equal(dial('<Dial recordingStatusCallback="/recordings">+14155550100</Dial>').verb.recordingStatusCallback, '/recordings');
  });

  it('callReason, referUrl, recordingConfigurationId and events are accepted and ignored', () => {
    const { verb, codes } = dial('<Dial callReason="Your order" referUrl="/refer" referMethod="GET" recordingConfigurationId="JZ1" events="call-progress-event">+14155550100</Dial>');
    assert.deepEqual(verb, { ...DEFAULTS, nouns: [numberNoun('+14155550100')] });
    assert.deepEqual(codes, []);
  });

  it('callerId is normalised like a dialed number; client: is allowed toward clients, any token toward SIP', () => {
    assert.equal(dial('<Dial callerId="(415) 555-0199">+14155550100</Dial>').verb.callerId, '+14155550199');
    assert.equal(dial('<Dial callerId="client:joey"><Client>alice</Client></Dial>').verb.callerId, 'client:joey');
    assert.equal(dial('<Dial callerId="front_desk.1"><Sip>sip:bob@pbx.test</Sip></Dial>').verb.callerId, 'front_desk.1');
    const toNumber = dial('<Dial callerId="client:joey">+14155550100</Dial>');
    assert.equal(toNumber.verb.callerId, null);
    assert.deepEqual(toNumber.codes, [13214]);
    assert.deepEqual(dial('<Dial callerId="front desk"><Sip>sip:bob@pbx.test</Sip></Dial>').codes, [13214]);
  });
});

describe('<Dial> numbers', () => {
  it('numbers in national and formatted forms are normalised to E.164, US by default', () => {
    const forms: [string, string][] = [
      ['415-123-4567', '+14151234567'],
      ['(415) 555-1212', '+14155551212'],
      ['415.555.1212', '+14155551212'],
      ['1 415 555 1212', '+14155551212'],
      ['+44 20 7946 0958', '+442079460958'],
      ['+15005550006', '+15005550006'],
    ];
    for (const [written, e164] of forms) {
      assert.deepEqual(dial(`<Dial><Number>${written}</Number></Dial>`).verb.nouns, [numberNoun(e164)], written);
      assert.deepEqual(dial(`<Dial>${written}</Dial>`).verb.nouns, [numberNoun(e164)], `${written} as text`);
    }
  });

  it('a malformed number is warning 13223 and is not dialed; the other nouns still are', () => {
    const { verb, codes } = dial('<Dial><Number>12345</Number><Number>415-CALL-NOW</Number><Number>+14155550100</Number></Dial>');
    assert.deepEqual(verb.nouns, [numberNoun('+14155550100')]);
    assert.deepEqual(codes, [13223, 13223]);
  });

  it('reads sendDigits, url, method and the child’s status callbacks; byoc is ignored', () => {
    const { verb, codes } = dial(`<Dial><Number sendDigits="ww1928#" url="/screen" method="GET" statusCallback="https://app.test/child"
      statusCallbackMethod="GET" statusCallbackEvent="answered initiated completed ringing" byoc="BY123">415-555-0100</Number></Dial>`);
    assert.deepEqual(verb.nouns, [numberNoun('+14155550100', {
      sendDigits: 'ww1928#', url: '/screen', method: 'GET', statusCallback: 'https://app.test/child',
      statusCallbackMethod: 'GET', statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'],
    })]);
    assert.deepEqual(codes, []);
  });

  it('bad Number attributes are 13221 (method), 13222 (sendDigits), 21626 (events), and their defaults', () => {
    const { verb, codes } = dial('<Dial><Number method="PUT" sendDigits="12x" statusCallbackEvent="answered bridged">+14155550100</Number></Dial>');
    assert.deepEqual(verb.nouns, [numberNoun('+14155550100')]);
    assert.deepEqual(codes.sort(), [13221, 13222, 21626]);
  });

  it('machineDetection is refused with 12200 and the number is dialed without it; a bad AMD value is 21234 first', () => {
    const plain = dial('<Dial><Number machineDetection="Enable" machineDetectionTimeout="10">+14155550100</Number></Dial>');
    assert.deepEqual(plain.verb.nouns, [numberNoun('+14155550100')]);
    assert.deepEqual(plain.codes, [12200]);
    assert.match(plain.warnings[0]!.message, /answering machine detection is not supported/);
    assert.deepEqual(dial('<Dial><Number machineDetection="Maybe" machineDetectionTimeout="99">+14155550100</Number></Dial>').codes, [21234, 21234, 12200]);
  });

  it('AsyncAmd attributes on <Number> are warning 21263', () => {
    const { verb, codes } = dial('<Dial><Number AsyncAmd="true" AsyncAmdStatusCallback="/amd">+14155550100</Number></Dial>');
    assert.equal(verb.nouns.length, 1);
    assert.deepEqual(codes, [21263]);
  });
});

describe('<Dial> clients and SIP', () => {
  it('<Client> takes its identity as text or from <Identity>, with <Parameter> children', () => {
    const common = { url: null, method: 'POST', statusCallback: null, statusCallbackMethod: 'POST', statusCallbackEvents: ['completed'] };
    assert.deepEqual(dial('<Dial><Client> alice </Client></Dial>').verb.nouns, [{ kind: 'Client', identity: 'alice', parameters: {}, ...common }]);
    const { verb, codes } = dial(`<Dial><Client url="/whisper"><Identity>bob.smith</Identity>
      <Parameter name="FirstName" value="Ada"/><Parameter name="Ticket" value="42"/></Client></Dial>`);
    assert.deepEqual(verb.nouns, [{ kind: 'Client', identity: 'bob.smith', parameters: { FirstName: 'Ada', Ticket: '42' }, ...common, url: '/whisper' }]);
    assert.deepEqual(codes, []);
  });

  it('a <Client> identity with spaces or delimiters is 31105 and is not dialed', () => {
    for (const bad of ['two words', 'a<b', 'x'.repeat(257), '']) {
      const { verb, codes } = dial(`<Dial><Client>${bad.replace('<', '&lt;')}</Client></Dial>`);
      assert.deepEqual(verb.nouns, [], bad);
      assert.deepEqual(codes, [31105, 12200], bad);
    }
  });

  it('<Sip> keeps its URI with the headers in its query, and its digest credentials', () => {
    const { verb, codes } = dial(`<Dial><Sip username="admin" password="s3cret" statusCallback="/sip-status" statusCallbackEvent="ringing">sip:bob@pbx.test:5080;transport=tcp?X-Ticket=42&amp;User-to-User=abc</Sip></Dial>`);
    assert.deepEqual(verb.nouns, [{
      kind: 'Sip', uri: 'sip:bob@pbx.test:5080;transport=tcp?X-Ticket=42&User-to-User=abc', username: 'admin', password: 's3cret',
      url: null, method: 'POST', statusCallback: '/sip-status', statusCallbackMethod: 'POST', statusCallbackEvents: ['ringing'],
    }]);
    assert.deepEqual(codes, []);
  });

  it('a header Twilio would not send is 13252 and removed; a bad URI is 13243 and not dialed', () => {
    const headers = dial('<Dial><Sip>sip:bob@pbx.test?X-Ok=1&amp;Contact=evil</Sip></Dial>');
    assert.equal(headers.verb.nouns[0]!.kind === 'Sip' && headers.verb.nouns[0]!.uri, 'sip:bob@pbx.test?X-Ok=1');
    assert.deepEqual(headers.codes, [13252]);
    for (const bad of ['bob@pbx.test', 'http://pbx.test', 'sip:', 'sip:bob@pbx.test;transport=sctp', `sip:${'a'.repeat(260)}@pbx.test`]) {
      const { verb, codes } = dial(`<Dial><Sip>${bad}</Sip></Dial>`);
      assert.deepEqual(verb.nouns, [], bad);
      assert.deepEqual(codes, [13243, 12200], bad);
    }
  });

  it('a username without a password is 13249, and the URI is dialed without credentials', () => {
    const { verb, codes } = dial('<Dial><Sip username="admin">sip:[2001:db8::1]:5060</Sip></Dial>');
    assert.equal(verb.nouns[0]!.kind === 'Sip' && verb.nouns[0]!.username, null);
    assert.deepEqual(codes, [13249]);
  });
});

describe('<Dial> noun combinations', () => {
  it('<Conference> and <Queue> parse as rooms', () => {
    const [room] = dial('<Dial><Conference beep="false" startConferenceOnEnter="false">Room 1</Conference></Dial>').verb.nouns as any[];
    assert.deepEqual([room.kind, room.name, room.beep, room.startConferenceOnEnter, room.waitUrl, room.statusCallbackEvents], ['Conference', 'Room 1', 'false', false, null, ['start', 'end']]);
    assert.deepEqual(dial('<Dial><Queue url="/about-to-connect">support</Queue></Dial>').verb.nouns, [{ kind: 'Queue', name: 'support', url: '/about-to-connect', method: 'POST' }]);
  });

  it('<Queue> attributes: a bad method is 14210, a bad url 14211 (dropped), no name 14212 and a name over 64 characters 14213 (noun dropped)', () => {
    const bad = read('<Dial><Queue method="PUT" url="ftp://x/y">support</Queue></Dial>');
    assert.deepEqual((bad.verb as DialVerb).nouns, [{ kind: 'Queue', name: 'support', url: null, method: 'POST' }]);
    assert.deepEqual(bad.codes.sort(), [14210, 14211]);
    assert.deepEqual(read('<Dial><Queue></Queue></Dial>').codes, [14212, 12200]);
    const long = read(`<Dial><Queue>${'n'.repeat(65)}</Queue></Dial>`);
    assert.deepEqual([(long.verb as DialVerb).nouns, long.codes], [[], [14213, 12200]]);
  });

  it('a <Conference> mixed with a <Number>, or two conferences, is Twilio’s 13000 when the Dial is reached', () => {
    for (const body of ['<Conference>a</Conference><Number>+14155550100</Number>', '<Conference>a</Conference><Conference>b</Conference>']) {
      const { verb } = read(`<Dial>${body}</Dial>`);
      assert.equal(verb.kind, 'Unsupported', body);
      assert.equal((verb as UnsupportedVerb).code, 13000);
    }
  });

  it('up to ten nouns are dialed; an eleventh and later are dropped with 13215', () => {
    const numbers = Array.from({ length: 12 }, (_, i) => `<Number>+1415555${String(100 + i).padStart(4, '0')}</Number>`).join('');
    const { verb, codes } = dial(`<Dial>${numbers}</Dial>`);
    assert.equal(verb.nouns.length, 10);
    assert.equal((verb.nouns[9] as DialNumber).number, '+14155550109');
    assert.deepEqual(codes, [13215]);
  });

  it('a Dial with nothing dialable is kept with no nouns and a 12200 warning: it ends at once', () => {
    for (const body of ['', '   ', '<Number>nope</Number>']) {
      const { verb, codes } = dial(`<Dial action="/after">${body}</Dial>`);
      assert.deepEqual(verb.nouns, [], body);
      assert.equal(codes.at(-1), 12200, body);
      assert.equal(verb.action, '/after');
    }
  });

  it('an element that is not a Dial noun is 13215 and ignored; so are nouns Switchboard does not dial', () => {
    const { verb, codes } = dial('<Dial><Say>hi</Say><Application>AP1</Application><Number>+14155550100</Number></Dial>');
    assert.deepEqual(verb.nouns, [numberNoun('+14155550100')]);
    assert.deepEqual(codes, [13215, 13215]);
  });

  it('mixed Number, Client and Sip nouns are dialed together in document order', () => {
    const { verb } = dial('<Dial> 4155550100 <Client>alice</Client><Sip>sip:bob@pbx.test</Sip></Dial>');
    assert.deepEqual(verb.nouns.map((n) => n.kind), ['Number', 'Client', 'Sip']);
  });
});

describe('<Dial> built with the official SDK', () => {
  const dialOf = (response: InstanceType<typeof VoiceResponse>): XmlElement => readXml(response.toString()).children[0] as XmlElement;

  it('a VoiceResponse .dial({...}).number(...) parses to the expected DialVerb', () => {
    const response = new VoiceResponse();
    const d = response.dial({
      action: '/dial-done', method: 'GET', timeout: 20, timeLimit: 3600, callerId: '+14155550199', hangupOnStar: true,
      answerOnBridge: true, record: 'record-from-answer-dual', recordingStatusCallback: '/rec', recordingStatusCallbackMethod: 'POST',
      recordingStatusCallbackEvent: ['in-progress', 'completed'], recordingTrack: 'both', trim: 'trim-silence', ringTone: 'de', sequential: true,
    });
    d.number({ sendDigits: '1234#', url: '/screen', statusCallback: '/child', statusCallbackEvent: ['initiated', 'answered'] }, '415-555-0100');
    d.client({}, 'alice');
    d.sip({ username: 'u', password: 'p' }, 'sip:bob@pbx.test');
    const warnings: TwimlWarning[] = [];
    const verb = parseDial(dialOf(response), (w) => warnings.push(w));
    assert.deepEqual(warnings, []);
    assert.deepEqual(verb, {
      kind: 'Dial', action: '/dial-done', method: 'GET', timeoutSec: 20, timeLimitSec: 3600, callerId: '+14155550199',
      hangupOnStar: true, answerOnBridge: true, record: 'record-from-answer-dual', recordingStatusCallback: '/rec',
      recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvents: ['in-progress', 'completed'], recordingTrack: 'both',
      trim: true, ringTone: 'de', sequential: true,
      nouns: [
        numberNoun('+14155550100', { sendDigits: '1234#', url: '/screen', statusCallback: '/child', statusCallbackEvents: ['initiated', 'answered'] }),
        { kind: 'Client', identity: 'alice', parameters: {}, url: null, method: 'POST', statusCallback: null, statusCallbackMethod: 'POST', statusCallbackEvents: ['completed'] },
        { kind: 'Sip', uri: 'sip:bob@pbx.test', username: 'u', password: 'p', url: null, method: 'POST', statusCallback: null, statusCallbackMethod: 'POST', statusCallbackEvents: ['completed'] },
      ],
    });
  });

  it('the SDK’s .dial(number) shorthand parses to one Number', () => {
    const response = new VoiceResponse();
    response.dial('(415) 555-0100');
    assert.deepEqual(parseDial(dialOf(response), () => assert.fail('no warning expected')), { ...DEFAULTS, nouns: [numberNoun('+14155550100')] });
  });
});
