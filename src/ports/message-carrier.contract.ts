import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageCarrier, OutboundText } from './message-carrier.js';

/** What the suite drives: the carrier, a way to script a far end, and what that far end received. */
export interface MessageCarrierUnderTest {
  carrier: MessageCarrier;
  script(number: string, sms: 'deliver' | 'undeliver' | 'fail'): void;
  received(number: string): { sid: string; from: string; body: string; mediaUrls: string[] }[];
}

const text = (to: string, patch: Partial<OutboundText> = {}): OutboundText => ({
  sid: `SM${'0'.repeat(31)}${to.slice(-1)}`, from: '+15005550006', to, body: 'hello', mediaUrls: [], ...patch,
});

/**
 * The MessageCarrier port's one contract suite (design.md: every adapter passes it).
 * @param open returns a fresh carrier whose far ends are all unscripted.
 */
export function runMessageCarrierContract(name: string, open: () => MessageCarrierUnderTest): void {
  describe(`MessageCarrier contract: ${name}`, () => {
    it('a far end that takes texts gets the text only when the delivery receipt says yes', () => {
      const h = open();
      const result = h.carrier.send(text('+14155550101', { body: 'hi there', mediaUrls: ['https://a.example/1.png'] }));
      assert.equal(result.outcome, 'sent');
      assert.deepEqual(h.received('+14155550101'), [], 'nothing before the receipt');
      assert.deepEqual(result.outcome === 'sent' && result.receipt(Date.UTC(2025, 0, 1)), { delivered: true });
      assert.deepEqual(h.received('+14155550101').map((t) => [t.from, t.body, t.mediaUrls]), [['+15005550006', 'hi there', ['https://a.example/1.png']]]);
    });

    it('an unreachable far end takes the text but its receipt says 30003, and nothing arrives', () => {
      const h = open();
      h.script('+14155550102', 'undeliver');
      const result = h.carrier.send(text('+14155550102'));
      assert.equal(result.outcome, 'sent');
      assert.deepEqual(result.outcome === 'sent' && result.receipt(0), { delivered: false, code: 30003 });
      assert.deepEqual(h.received('+14155550102'), []);
    });

    it('a far end that cannot be sent to fails at once with 30006', () => {
      const h = open();
      h.script('+14155550103', 'fail');
      assert.deepEqual(h.carrier.send(text('+14155550103')), { outcome: 'failed', code: 30006 });
      assert.deepEqual(h.received('+14155550103'), []);
    });

    it('texts to one far end keep their order and do not reach another', () => {
      const h = open();
      for (const body of ['one', 'two']) {
        const result = h.carrier.send(text('+14155550104', { body }));
        if (result.outcome === 'sent') result.receipt(0);
      }
      assert.deepEqual(h.received('+14155550104').map((t) => t.body), ['one', 'two']);
      assert.deepEqual(h.received('+14155550105'), []);
    });
  });
}
