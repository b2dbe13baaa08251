import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import twilio from 'twilio';
import { parseTwiml } from '../src/twiml/parse-twiml.js';
import { TwimlError, type TwimlDocument } from '../src/twiml/verbs.js';

const { VoiceResponse } = twilio.twiml;

/** Asserts that parsing throws a TwimlError with `code`, and a message matching `message`. */
function rejects(xml: string, code: number, message?: RegExp): void {
  assert.throws(
    () => parseTwiml(xml),
    (err: unknown) => {
      assert.ok(err instanceof TwimlError, `expected a TwimlError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

const doc = (body: string): TwimlDocument => parseTwiml(`<Response>${body}</Response>`);
const codes = (d: TwimlDocument): number[] => d.warnings.map((w) => w.code);

describe('parseTwiml: documents that cannot run', () => {
  it('rejects malformed XML with 12100 naming the problem and line', () => {
    rejects('<Response>\n<Say>hi</Response>', 12100, /line 2/);
    rejects('<Response><Say>a & b</Say></Response>', 12100);
    rejects('<Response><Say loop=2>a</Say></Response>', 12100);
    rejects('<Response></Response>trailing', 12100);
  });

  it('rejects an empty or blank body with 12100', () => {
    rejects('', 12100, /empty/);
    rejects('  \n\t ', 12100, /empty/);
  });

  it('rejects two root elements with 12100', () => {
    rejects('<Response/><Response/>', 12100, /more than one root/);
  });

  it('rejects entities XML does not define (HTML &nbsp;, DTD entities) with 12100', () => {
    rejects('<Response><Say>a&nbsp;b</Say></Response>', 12100, /&nbsp;/);
    rejects('<!DOCTYPE r [<!ENTITY x "boom">]><Response><Say>&x;</Say></Response>', 12100, /&x;/);
    rejects('<Response><Say>&#0;</Say></Response>', 12100, /character reference/);
  });

  it('rejects what a conforming XML processor refuses and a lenient one lets through, with 12100', () => {
    rejects('<Response><Say>a ]]> b</Say></Response>', 12100, /\]\]>/);
    for (const c of ['\u0000', '\u0001', '\u001F', '\uFFFF', '\uD800']) rejects(`<Response><Say>a${c}b</Say></Response>`, 12100, /not allowed in XML/);
    rejects('<Response><Say voice="a\u0002">x</Say></Response>', 12100, /U\+0002/);
    rejects('<!-- first --><?xml version="1.0"?><Response/>', 12100, /only at the start/);
    rejects('<Response/><?xml version="1.0"?>', 12100, /only at the start/);
    rejects('<?XML version="1.0"?><Response/>', 12100, /only at the start/);
    rejects('<?xml version="1.1"?><Response/>', 12100, /only 1\.0/);
    rejects('<Response><!-- a -- b --></Response>', 12100, /--/);
    rejects('<Response><!-- a ---></Response>', 12100, /--/);
    for (const decl of ['<?xml?>', '<?xml versio="1.0"?>', '<?xml version="1.0" encoding=?>', '<?xml version="1.0" standalone="maybe"?>']) {
      rejects(`${decl}<Response/>`, 12100, /malformed XML declaration/);
    }
  });

  it('accepts tabs, line breaks, CDATA holding "]]" and a full XML declaration', () => {
    const d = parseTwiml('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Response><Say>a\tb\r\nc<![CDATA[ x ]] y ]]></Say><!-- ok - fine --></Response>');
    assert.equal(d.verbs.length, 1);
  });

  it('rejects a root other than <Response> with 12102, case-sensitively', () => {
    rejects('<Say>hi</Say>', 12102, /<Say>/);
    rejects('<response><Say>hi</Say></response>', 12102);
  });

  it('rejects an unknown verb with 12200', () => {
    rejects('<Response><Foo/></Response>', 12200, /<Foo> is not a TwiML verb/);
    rejects('<Response><say>hi</say></Response>', 12200, /did you mean <Say>/);
    rejects('<Response><constructor/></Response>', 12200);
  });

  it('rejects a <Dial> noun or other nested-only element at the top with 12200, naming where it belongs', () => {
    rejects('<Response><Number>+15551234567</Number></Response>', 12200, /belongs inside <Dial>/);
    rejects('<Response><Queue>support</Queue></Response>', 12200, /belongs inside <Dial>/);
    rejects('<Response><Say>before</Say><Prompt/></Response>', 12200, /belongs inside <Pay>/);
  });

  it('rejects a verb other than Say, Play or Pause inside <Gather> with 12200', () => {
    rejects('<Response><Gather><Redirect>/x</Redirect></Gather></Response>', 12200, /13320/);
    rejects('<Response><Gather><Gather/></Gather></Response>', 12200);
  });

  it('rejects text directly under <Response> with 12200', () => {
    rejects('<Response>Hello there</Response>', 12200, /Hello there/);
  });

  it('reads an empty <Redirect/> as a redirect to the current document', () => {
    assert.deepEqual(doc('<Redirect/><Redirect method="GET">  </Redirect>').verbs, [
      { kind: 'Redirect', url: '', method: 'POST' },
      { kind: 'Redirect', url: '', method: 'GET' },
    ]);
  });
});

describe('parseTwiml: real verbs Switchboard does not run fail only when reached', () => {
  it('keeps the verbs before <Connect> and the others, and turns each into an unsupported verb', () => {
    for (const name of ['Connect', 'Start', 'Stop', 'Pay', 'Refer', 'Sms', 'Echo']) {
      const d = doc(`<Say>before</Say><${name}/><Say>after</Say>`);
      assert.deepEqual(d.verbs.map((v) => v.kind), ['Say', 'Unsupported', 'Say'], name);
      assert.deepEqual(d.verbs[1], { kind: 'Unsupported', name, code: 12200, message: `<${name}> is not supported by Switchboard yet` });
    }
  });

  it('reads <Dial> in full as a verb to run, reporting its warnings', () => {
    const d = doc('<Say>Connecting you</Say><Dial timeout="abc">+15551234567</Dial>');
    assert.deepEqual(d.verbs.map((v) => v.kind), ['Say', 'Dial']);
    assert.equal(d.verbs[1]!.kind === 'Dial' && d.verbs[1]!.timeoutSec, 30);
    assert.deepEqual(codes(d), [13212]);
  });

  it('gives a <Dial> that mixes <Conference> with <Number> code 13000 when reached', () => {
    const d = doc('<Say>hi</Say><Dial><Conference>room</Conference><Number>+15551234567</Number></Dial>');
    const dial = d.verbs[1]!;
    assert.equal(dial.kind, 'Unsupported');
    assert.equal(dial.kind === 'Unsupported' && dial.code, 13000);
  });
});

describe('parseTwiml: defaults', () => {
  it('accepts an XML declaration, surrounding whitespace and an empty <Response>', () => {
    assert.deepEqual(parseTwiml('\n  <?xml version="1.0" encoding="UTF-8"?>\n<Response>\n</Response>\n'), { verbs: [], warnings: [] });
  });

  it('gives every verb its Twilio defaults', () => {
    const d = doc('<Say>Hi</Say><Play>https://a.test/x.mp3</Play><Pause/><Redirect>/next</Redirect><Reject/><Hangup/>');
    assert.deepEqual(d.warnings, []);
    assert.deepEqual(d.verbs, [
      { kind: 'Say', text: 'Hi', voice: 'man', language: 'en', loop: 1 },
      { kind: 'Play', url: 'https://a.test/x.mp3', digits: null, loop: 1 },
      { kind: 'Pause', lengthSec: 1 },
      { kind: 'Redirect', url: '/next', method: 'POST' },
      { kind: 'Reject', reason: 'rejected' },
      { kind: 'Hangup' },
    ]);
  });

  it('gives <Gather> its Twilio defaults, with speechTimeout following timeout', () => {
    assert.deepEqual(doc('<Gather/>').verbs, [{
      kind: 'Gather', action: null, method: 'POST', input: { dtmf: true, speech: false }, timeoutSec: 5,
      finishOnKey: '#', numDigits: null, actionOnEmptyResult: false, speechTimeout: 5, language: 'en-US',
      hints: null, prompts: [],
    }]);
    const [g] = doc('<Gather timeout="9"/>').verbs;
    assert.equal(g.kind === 'Gather' && g.speechTimeout, 9);
  });
});

describe('parseTwiml: text and entities', () => {
  it('decodes &amp; in <Say> text', () => {
    assert.deepEqual(doc('<Say>Hi &amp; bye</Say>').verbs[0], { kind: 'Say', text: 'Hi & bye', voice: 'man', language: 'en', loop: 1 });
  });

  it("parses the exact string twilio's VoiceResponse produces", () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hi &amp; bye</Say></Response>';
    const r = new VoiceResponse();
    r.say('Hi & bye');
    assert.equal(r.toString(), xml);
    assert.deepEqual(parseTwiml(xml).verbs, [{ kind: 'Say', text: 'Hi & bye', voice: 'man', language: 'en', loop: 1 }]);
  });

  it('decodes numeric character references once, not twice', () => {
    const [say] = doc('<Say>&#38; &#x26; &#233; &#x1F600; &amp;#38; &lt;&gt;&quot;&apos;</Say>').verbs;
    assert.equal(say.kind === 'Say' && say.text, `& & é 😀 &#38; <>"'`);
  });

  it('decodes entities in attribute values and keeps CDATA literal', () => {
    const [g] = doc('<Gather action="/menu?a=1&amp;b=2"><Say><![CDATA[Tom &amp; Jerry <3]]></Say></Gather>').verbs;
    assert.ok(g.kind === 'Gather');
    assert.equal(g.action, '/menu?a=1&b=2');
    assert.equal(g.prompts[0].kind === 'Say' && g.prompts[0].text, 'Tom &amp; Jerry <3');
  });

  it('flattens SSML inside <Say> in order, collapsing whitespace, and ignores comments', () => {
    const xml = `<Say voice="Polly.Joanna">
        Hello <break time="1s"/>  world, <emphasis level="strong">this</emphasis> is
        <prosody rate="slow"><say-as interpret-as="digits">123</say-as></prosody><!-- not spoken -->!
        <p><s>One.</s><s>Two.</s></p><sub alias="World Wide Web">WWW</sub>
      </Say>`;
    const [say] = doc(xml).verbs;
    assert.equal(say.kind === 'Say' && say.text, 'Hello world, this is 123! One. Two. WWW');
  });

  it('reads SSML built with the SDK (no spaces between elements) as separate words', () => {
    const r = new VoiceResponse();
    const say = r.say('Hi');
    say.emphasis('there');
    say.break({ time: '1s' });
    say.w('friend');
    assert.deepEqual(parseTwiml(r.toString()).verbs.map((v) => v.kind === 'Say' && v.text), ['Hi there friend']);
  });
});

describe('parseTwiml: <Gather> and order', () => {
  it('keeps nested <Say>, <Play> and <Pause> in order, read with the top-level rules', () => {
    const r = new VoiceResponse();
    const g = r.gather({ action: '/menu', numDigits: 1, input: ['dtmf', 'speech'], speechTimeout: 'auto', hints: 'sales, support' });
    g.say({ voice: 'alice', language: 'en-GB' }, 'Press one');
    g.play({ loop: 2 }, 'https://a.test/beep.wav');
    g.pause({ length: 3 });
    g.say('or two');
    const [gather] = parseTwiml(r.toString()).verbs;
    assert.ok(gather.kind === 'Gather');
    assert.equal(gather.action, '/menu');
    assert.equal(gather.numDigits, 1);
    assert.deepEqual(gather.input, { dtmf: true, speech: true });
    assert.equal(gather.speechTimeout, 'auto');
    assert.equal(gather.hints, 'sales, support');
    assert.deepEqual(gather.prompts, [
      { kind: 'Say', text: 'Press one', voice: 'alice', language: 'en-GB', loop: 1 },
      { kind: 'Play', url: 'https://a.test/beep.wav', digits: null, loop: 2 },
      { kind: 'Pause', lengthSec: 3 },
      { kind: 'Say', text: 'or two', voice: 'man', language: 'en', loop: 1 },
    ]);
  });

  it('preserves the order of verbs', () => {
    const d = doc('<Pause length="2"/><Say>one</Say><Play digits="1w2"/><Say>two</Say><Gather/><Redirect method="get">/x</Redirect>');
    assert.deepEqual(d.verbs.map((v) => v.kind), ['Pause', 'Say', 'Play', 'Say', 'Gather', 'Redirect']);
    assert.deepEqual(d.verbs[2], { kind: 'Play', url: null, digits: '1w2', loop: 1 });
    assert.deepEqual(d.verbs[5], { kind: 'Redirect', url: '/x', method: 'GET' });
  });

  it('ignores unknown attributes without a warning', () => {
    const d = doc('<Say foo="bar" rate="fast">hi</Say><Gather speechModel="phone_call" profanityFilter="false"/>');
    assert.deepEqual(d.warnings, []);
  });
});

describe('parseTwiml: invalid attribute values warn and fall back to defaults', () => {
  it('<Say>: bad loop → 13510 and 1; inside <Gather> → 13322', () => {
    const d = doc('<Say loop="-1">a</Say><Say loop="1.5">b</Say><Say loop="0">c</Say><Gather><Say loop="x">d</Say></Gather>');
    assert.deepEqual(codes(d), [13510, 13510, 13322]);
    assert.deepEqual(d.verbs.slice(0, 3).map((v) => v.kind === 'Say' && v.loop), [1, 1, 0]);
    assert.match(d.warnings[0].message, /loop="-1"/);
  });

  it('<Say>: empty text → 13520 and the verb is dropped', () => {
    const d = doc('<Say>  </Say><Say><break time="1s"/></Say><Say>kept</Say>');
    assert.deepEqual(codes(d), [13520, 13520]);
    assert.equal(d.verbs.length, 1);
  });

  it('<Say>: text over 4096 characters (3000 for Polly) → 13521 and the verb is dropped', () => {
    const ok = 'a'.repeat(4096);
    assert.deepEqual(codes(doc(`<Say>${ok}</Say>`)), []);
    const d = doc(`<Say>${ok}b</Say><Say voice="Polly.Joanna">${'a'.repeat(3001)}</Say>`);
    assert.deepEqual(codes(d), [13521, 13521]);
    assert.deepEqual(d.verbs, []);
  });

  it('<Play>: bad loop → 13410 and 1; bad digits → 13430 and digits ignored; nothing to play → dropped', () => {
    const d = doc('<Play loop="two">https://a.test/x.mp3</Play><Play digits="12a" >https://a.test/y.mp3</Play><Play digits="x"/><Play/>');
    assert.deepEqual(codes(d), [13410, 13430, 13430, 12200, 12200]);
    assert.deepEqual(d.verbs, [
      { kind: 'Play', url: 'https://a.test/x.mp3', digits: null, loop: 1 },
      { kind: 'Play', url: 'https://a.test/y.mp3', digits: null, loop: 1 },
    ]);
  });

  it('<Pause>: length that is not an integer > 0 → 13910 and 1', () => {
    const d = doc('<Pause length="0"/><Pause length="abc"/><Pause length=" 4 "/>');
    assert.deepEqual(codes(d), [13910, 13910]);
    assert.deepEqual(d.verbs.map((v) => v.kind === 'Pause' && v.lengthSec), [1, 1, 4]);
  });

  it('<Redirect>: bad method → 13710 and POST; lower-case methods are accepted', () => {
    const d = doc('<Redirect method="PUT">/a</Redirect><Redirect method="post">/b</Redirect>');
    assert.deepEqual(codes(d), [13710]);
    assert.deepEqual(d.verbs.map((v) => v.kind === 'Redirect' && v.method), ['POST', 'POST']);
  });

  it('<Reject>: bad reason → 13810 and rejected', () => {
    const d = doc('<Reject reason="nope"/>');
    assert.deepEqual(codes(d), [13810]);
    assert.deepEqual(d.verbs, [{ kind: 'Reject', reason: 'rejected' }]);
    assert.deepEqual(doc('<Reject reason="busy"/>').verbs, [{ kind: 'Reject', reason: 'busy' }]);
  });

  it('<Gather>: each bad attribute gets its Twilio code and default', () => {
    const d = doc('<Gather method="DELETE" input="touch" timeout="0" finishOnKey="##" numDigits="-3" actionOnEmptyResult="yes" speechTimeout="soon"/>');
    assert.deepEqual(codes(d), [13313, 13312, 13326, 13310, 13314, 13338, 13327]);
    const [g] = d.verbs;
    assert.ok(g.kind === 'Gather');
    assert.equal(g.method, 'POST');
    assert.deepEqual(g.input, { dtmf: true, speech: false });
    assert.equal(g.timeoutSec, 5);
    assert.equal(g.finishOnKey, '#');
    assert.equal(g.numDigits, null);
    assert.equal(g.actionOnEmptyResult, false);
    assert.equal(g.speechTimeout, 5);
  });

  it('<Gather>: accepts finishOnKey="" (disabled), speech-only input and actionOnEmptyResult="true"', () => {
    const [g] = doc('<Gather finishOnKey="" input="speech" actionOnEmptyResult="true" speechTimeout="3" timeout="7"/>').verbs;
    assert.ok(g.kind === 'Gather');
    assert.equal(g.finishOnKey, '');
    assert.deepEqual(g.input, { dtmf: false, speech: true });
    assert.equal(g.actionOnEmptyResult, true);
    assert.equal(g.speechTimeout, 3);
    assert.equal(g.timeoutSec, 7);
  });

  it('<Gather>: stray text inside is ignored with a 12200 warning', () => {
    const d = doc('<Gather>Press 1</Gather>');
    assert.deepEqual(codes(d), [12200]);
    assert.equal(d.verbs.length, 1);
  });
});

describe('parseTwiml on arbitrary input', () => {
  it('never throws anything but a TwimlError, whatever the document (seeded random documents)', () => {
    const pieces = [
      '<Response>', '</Response>', '<Say>', '</Say>', '<Gather numDigits="x">', '</Gather>', '<Play digits="1w">', '</Play>',
      '&amp;', '&#0;', '&#x1F600;', '<![CDATA[x]]>', '<!-- c -->', '<?xml version="1.0"?>', '<Pause length="-1"/>', '"', "'",
      '<', '>', '&', 'text', ' ', '\n', '<Redirect/>', '<Reject reason="x"/>', '<Dial>', '\u0000',
      '<!DOCTYPE x [<!ENTITY a "b">]>', '&a;', '<Say loop="99999999999999999999">',
    ];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 20_000; i++) {
      let xml = '';
      for (let n = Math.floor(random() * 12); n > 0; n--) xml += pieces[Math.floor(random() * pieces.length)];
      try {
        parseTwiml(xml);
      } catch (error) {
        assert.ok(error instanceof TwimlError, `${JSON.stringify(xml)} threw ${String(error)}`);
      }
    }
  });
});
