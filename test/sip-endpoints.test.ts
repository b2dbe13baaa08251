import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUri } from '../src/sip/message/uri.js';
import { endpointOf, parseTrunk, phoneNumberOf, sipTargetFor } from '../src/sip/sip-endpoints.js';

describe('SIP endpoints', () => {
  it('shows a SIP user part that is a phone number as E.164, with or without the plus', () => {
    assert.equal(endpointOf(parseUri('sip:+15005550006@10.0.0.1:5060')), '+15005550006');
    assert.equal(endpointOf(parseUri('sip:15005550006@trunk.example.com')), '+15005550006');
  });

  it('shows any other SIP address as sip:user@host, without port or parameters', () => {
    assert.equal(endpointOf(parseUri('sip:alice@pbx.example.com:5070;transport=udp')), 'sip:alice@pbx.example.com');
    assert.equal(endpointOf(parseUri('sip:1000@10.0.0.1')), 'sip:1000@10.0.0.1');
    assert.equal(endpointOf(parseUri('sip:[::1]:5060')), 'sip:[::1]');
  });

  it('reads only 7 to 15 digit user parts as phone numbers', () => {
    assert.equal(phoneNumberOf('123456'), undefined);
    assert.equal(phoneNumberOf('+0123456789'), undefined);
    assert.equal(phoneNumberOf('1234567'), '+1234567');
    assert.equal(phoneNumberOf(undefined), undefined);
  });

  it('routes sip: addresses as given and numbers only through a trunk', () => {
    const trunk = parseTrunk('sip:acme:s3cret@127.0.0.1:5090');
    assert.deepEqual(trunk, { host: '127.0.0.1', port: 5090, username: 'acme', password: 's3cret' });
    assert.equal(sipTargetFor('sip:bob@127.0.0.1:5070', undefined)?.port, 5070);
    assert.equal(sipTargetFor('+15005550006', undefined), undefined);
    const viaTrunk = sipTargetFor('+15005550006', trunk)!;
    assert.equal(viaTrunk.user, '+15005550006');
    assert.equal(viaTrunk.host, '127.0.0.1');
    assert.equal(viaTrunk.port, 5090);
    assert.equal(sipTargetFor('client:alice', trunk), undefined);
  });

  it('refuses a trunk that is not a sip: URI, and defaults its port to 5060', () => {
    assert.throws(() => parseTrunk('http://example.com'), /--sip-trunk/);
    assert.equal(parseTrunk('sip:trunk.example.com').port, 5060);
  });
});
