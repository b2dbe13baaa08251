import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ERROR_CATALOGUE } from '../src/domain/errors.js';

it('every code of the error catalogue is documented in docs/errors.md', () => {
  const docs = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const missing = Object.keys(ERROR_CATALOGUE).filter((code) => !docs.includes(`| ${code} |`));
  assert.deepEqual(missing, []);
});
