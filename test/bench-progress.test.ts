import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress } from '../bench/progress.js';

const stream = (isTTY: boolean) => {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
};

describe('the bench progress line', () => {
  it('rewrites one line in place in a terminal, and ends it before the table', () => {
    const tty = stream(true);
    const progress = new Progress(tty);
    progress.step('fetch-call: round 1/5');
    progress.step('fetch-call: round 2/5');
    progress.done();
    progress.done();
    assert.deepEqual(tty.written, ['\r\x1b[2K[bench] fetch-call: round 1/5', '\r\x1b[2K[bench] fetch-call: round 2/5', '\n']);
  });

  it('writes one plain line per step when stderr is not a terminal (a CI log, a file)', () => {
    const piped = stream(false);
    const progress = new Progress(piped);
    progress.step('create-call: bare node:http');
    progress.step('create-call: switchboard');
    progress.done();
    assert.deepEqual(piped.written, ['[bench] create-call: bare node:http\n', '[bench] create-call: switchboard\n']);
  });
});
