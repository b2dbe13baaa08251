import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE, isErrorCode } from '../src/domain/errors.js';

/**
 * One error vocabulary (house-review.md defect 3), checked both ways against its docs the way
 * fastify's test/internals/errors.test.js does: a code the server can raise has a catalogue
 * entry with Twilio's title and a row in docs/errors.md, and the docs promise no code the
 * catalogue lacks.
 */
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const catalogued = new Set(Object.keys(ERROR_CATALOGUE).map(Number));
const docs = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const documented = new Set([...docs.matchAll(/^\| (\d{5}) \|/gm)].map((m) => Number(m[1])));

/**
 * Where a literal code can sit in the source: the value of a field or constant named like a
 * code (`code: 12400`, `errorCode: 15003`, `CARRIER_NOTICE = 12400`, a `…Code` type union, a
 * `cond ? 13322 : 13510`), the first argument of the calls that raise one (`warn(`, `notice(`,
 * `fail(`, `badRequest(`, `new AudioError(`, `new TwimlError(`), the second of
 * `new TwilioError(status, code, …)`, and the code argument of the helpers that take one
 * (`urlParam(form, 'StatusCallback', 21609)`, `readMethod(attrs, 'Gather', 13312, warn)`).
 * Besides those, any 11xxx–13xxx literal counts: that range holds nothing else in this house.
 */
const CODE_POSITIONS: readonly RegExp[] = [
  /\b(?:code|[A-Za-z]\w*Code|[A-Z_]*(?:CODE|NOTICE|FAILURE))\b\s*(?:=|:|\?\?)\s*([^;,)}]*)/g,
  /\b(?:warn|notice|fail|badRequest|AudioError|TwimlError)\(\s*([^,)]*)/g,
  /\bnew TwilioError\(\s*\d+\s*,\s*([^,)]*)/g,
  /\b(?:\w+Param|readMethod|act)\((?:[^()]|\([^()]*\))*?,\s*(\d{5})\b/g,
  /\b(1[1-3]\d{3})\b/g,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every literal code raised in `src/`, with where it was seen; comment lines are skipped. */
function raisedCodes(): Map<number, string> {
  const found = new Map<number, string>();
  for (const path of sourceFiles(SRC)) {
    if (path.endsWith('domain/errors.ts')) continue;
    readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
      if (/^\s*(?:\/\/|\/?\*)/.test(line)) return;
      for (const pattern of CODE_POSITIONS) {
        for (const match of line.matchAll(pattern)) {
          for (const literal of match[1].matchAll(/\b\d{5}\b/g)) {
            const code = Number(literal[0]);
            if (!found.has(code)) found.set(code, `src/${path.slice(SRC.length)}:${i + 1}: ${line.trim()}`);
          }
        }
      }
    });
  }
  return found;
}

describe('the error catalogue', () => {
  it('has a row in docs/errors.md for every code', () => {
    const missing = [...catalogued].filter((code) => !documented.has(code));
    assert.deepEqual(missing, [], `codes in ERROR_CATALOGUE without a "| code |" row in docs/errors.md`);
  });

  it('holds every code docs/errors.md lists', () => {
    const missing = [...documented].filter((code) => !catalogued.has(code));
    assert.deepEqual(missing, [], 'codes with a row in docs/errors.md but no ERROR_CATALOGUE entry');
  });

  it('holds every code the server raises', () => {
    const raised = raisedCodes();
    const missing = [...raised].filter(([code]) => !catalogued.has(code)).map(([, where]) => where);
    assert.deepEqual(missing, [], 'codes raised in src/ that ERROR_CATALOGUE does not hold');
    // The scan must see the raising sites, or the check above passes by seeing nothing.
    for (const code of [12400, 13420, 13910, 15003, 21220, 32018]) assert.ok(raised.has(code), `the scan missed ${code}`);
  });

  it('gives each code a title, as Twilio names it', () => {
    const untitled = Object.entries(ERROR_CATALOGUE).filter(([, title]) => title.trim().length < 5).map(([code]) => code);
    assert.deepEqual(untitled, []);
    assert.equal(ERROR_CATALOGUE[13420], 'Play: Invalid Content-Type');
  });

  it('tells a catalogued code from any other value', () => {
    assert.equal(isErrorCode(13420), true);
    assert.equal(isErrorCode(13421), false);
    assert.equal(isErrorCode('13420'), false);
    assert.equal(isErrorCode(undefined), false);
  });
});
