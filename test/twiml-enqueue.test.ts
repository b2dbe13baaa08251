import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTwiml } from '../src/twiml/parse-twiml.js';
import type { EnqueueVerb } from '../src/twiml/verbs.js';

const parse = (body: string) => {
  const doc = parseTwiml(`<Response>${body}</Response>`);
  return { verbs: doc.verbs, codes: doc.warnings.map((w) => w.code) };
};
const enqueue = (body: string) => {
  const { verbs, codes } = parse(body);
  assert.equal(verbs[0]!.kind, 'Enqueue');
  return { verb: verbs[0] as EnqueueVerb, codes };
};

describe('parseTwiml: <Enqueue> and <Leave> (queues.md §2–§3)', () => {
  it('reads every attribute, with POST defaults and no action or waitUrl when absent', () => {
    assert.deepEqual(enqueue('<Enqueue>support</Enqueue>').verb, {
      kind: 'Enqueue', name: 'support', action: null, method: 'POST', waitUrl: null, waitUrlMethod: 'POST', maxQueueSize: null, problem: null,
    });
    const { verb, codes } = enqueue('<Enqueue action="/after" method="GET" waitUrl="/hold.xml" waitUrlMethod="GET" maxQueueSize="20">sales</Enqueue>');
    assert.deepEqual([verb.action, verb.method, verb.waitUrl, verb.waitUrlMethod, verb.maxQueueSize], ['/after', 'GET', '/hold.xml', 'GET', 20]);
    assert.deepEqual(codes, []);
  });

  it('keeps an empty waitUrl (silence) apart from an absent one (the built-in music)', () => {
    assert.equal(enqueue('<Enqueue waitUrl="">q</Enqueue>').verb.waitUrl, '');
  });

  it('warns 14201 and 14206 for bad methods, 14203 and 14202 for bad URLs, and goes on with the defaults', () => {
    const { verb, codes } = enqueue('<Enqueue method="PUT" waitUrlMethod="DELETE" action="mailto:x@example.com" waitUrl="/a b">q</Enqueue>');
    assert.deepEqual(codes.sort(), [14201, 14202, 14203, 14206]);
    assert.deepEqual([verb.method, verb.waitUrlMethod, verb.action, verb.waitUrl, verb.problem], ['POST', 'POST', null, null, null]);
  });

  it('an empty name is 14204, a name over 64 characters 14205, a TaskRouter workflowSid 14226: the Enqueue queues nobody', () => {
    assert.equal(enqueue('<Enqueue></Enqueue>').verb.problem?.code, 14204);
    assert.equal(enqueue(`<Enqueue>${'a'.repeat(64)}</Enqueue>`).verb.problem, null);
    assert.equal(enqueue(`<Enqueue>${'a'.repeat(65)}</Enqueue>`).verb.problem?.code, 14205);
    assert.equal(enqueue('<Enqueue workflowSid="WW123"><Task>{}</Task></Enqueue>').verb.problem?.code, 14226);
  });

  it('<Leave> is a verb of its own, with no attributes', () => {
    assert.deepEqual(parse('<Leave/>').verbs, [{ kind: 'Leave' }]);
  });
});
