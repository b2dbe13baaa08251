import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { SipParseError, digestAuthorization, parseChallenge } from '../src/sip/message/index.js';

/** Reads the auth-params of a credentials value back into a map (quotes removed). */
function params(value: string): Record<string, string> {
  assert.match(value, /^Digest /);
  const out: Record<string, string> = {};
  for (const m of value.slice(7).matchAll(/([a-z]+)=("([^"]*)"|[^, ]+)/g)) out[m[1]!] = m[3] ?? m[2]!;
  return out;
}

const RFC2617 = 'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"';

test('a challenge is parsed into realm, nonce, opaque, qop list and default algorithm', () => {
  const c = parseChallenge(RFC2617);
  assert.equal(c.realm, 'testrealm@host.com');
  assert.equal(c.nonce, 'dcd98b7102dd2f0e8b11d0f600bfb0c093');
  assert.equal(c.opaque, '5ccc069c403ebaf9f0171e9517f40e41');
  assert.deepEqual(c.qop, ['auth', 'auth-int']);
  assert.equal(c.algorithm, 'MD5');
  assert.equal(c.stale, false);
  assert.equal(parseChallenge('digest realm="r",nonce="n",stale=TRUE,algorithm=MD5-sess').stale, true);
});

test('malformed challenges raise SipParseError', () => {
  for (const bad of ['Basic realm="x"', 'Digest realm="x"', 'Digest realm="x, nonce="y', 'Digest =x, nonce="y"']) {
    assert.throws(() => parseChallenge(bad), SipParseError, bad);
  }
});

test('RFC 2617 §3.5: Mufasa / Circle Of Life gives response 6629fae49393a05397450978507c4ef1', () => {
  const value = digestAuthorization({
    challenge: parseChallenge(RFC2617), username: 'Mufasa', password: 'Circle Of Life', method: 'GET',
    uri: '/dir/index.html', nc: 1, cnonce: '0a4f113b',
  });
  const p = params(value);
  assert.equal(p.response, '6629fae49393a05397450978507c4ef1');
  assert.equal(p.qop, 'auth');
  assert.equal(p.nc, '00000001');
  assert.equal(p.cnonce, '0a4f113b');
  assert.equal(p.opaque, '5ccc069c403ebaf9f0171e9517f40e41');
  assert.equal(p.username, 'Mufasa');
  assert.equal(p.uri, '/dir/index.html');
});

test('RFC 7616 §3.9.1: the MD5 and SHA-256 worked examples', () => {
  const base = 'Digest realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  const common = { username: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };
  assert.equal(params(digestAuthorization({ ...common, challenge: parseChallenge(`${base}, algorithm=MD5`) })).response, '8ca523f5e9506fed4657c9700eebdbec');
  assert.equal(params(digestAuthorization({ ...common, challenge: parseChallenge(`${base}, algorithm=SHA-256`) })).response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('without qop the RFC 2069 form is used; MD5-sess folds the nonces into HA1', () => {
  const plain = params(digestAuthorization({ challenge: parseChallenge('Digest realm="r", nonce="n"'), username: 'u', password: 'p', method: 'REGISTER', uri: 'sip:r' }));
  assert.equal(plain.qop, undefined);
  assert.equal(plain.nc, undefined);
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  assert.equal(plain.response, md5(`${md5('u:r:p')}:n:${md5('REGISTER:sip:r')}`));
  const sess = digestAuthorization({ challenge: parseChallenge('Digest realm="r", nonce="n", qop="auth", algorithm=MD5-sess'), username: 'u', password: 'p', method: 'INVITE', uri: 'sip:b@r', cnonce: 'c' });
  const other = digestAuthorization({ challenge: parseChallenge('Digest realm="r", nonce="n", qop="auth", algorithm=MD5'), username: 'u', password: 'p', method: 'INVITE', uri: 'sip:b@r', cnonce: 'c' });
  assert.notEqual(params(sess).response, params(other).response);
  assert.equal(params(sess).algorithm, 'MD5-sess');
});

test('an unsupported algorithm is refused rather than answered wrongly', () => {
  assert.throws(() => digestAuthorization({ challenge: parseChallenge('Digest realm="r", nonce="n", algorithm=AKAv1-MD5'), username: 'u', password: 'p', method: 'REGISTER', uri: 'sip:r' }), /Unsupported digest algorithm/);
});
