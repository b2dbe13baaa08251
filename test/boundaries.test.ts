/**
 * The house's boundaries (house-review.md, "The structure, read from the imports"), read from
 * the import statements of `src/` and checked on every run, so a file put in the wrong folder
 * fails here instead of in the next review.
 *
 * The layering, top to bottom; an import may only point DOWN it, or stay in its own folder:
 *
 *   cli, testing, register → app.ts (the files at src/ root) → api → conferences, messages, queues → calls → session → verbs → twiml
 *   → carriers and stores (simnet, sip, webhooks, store) → recordings → audio → ports → domain
 *
 * Folders on one floor never import each other: the carriers and stores are adapters, and
 * adapters meet only through a port. `recordings` and `audio` are not adapters of that kind:
 * they are the media utilities floor, below the carriers, that every carrier uses to make and
 * keep sound (G.711, WAV, tones, TTS, recording files). SIP and simnet may therefore import
 * them; within that floor `recordings` may use `audio` (a recording is a WAV file and an MP3
 * is transcoded), never the reverse, and neither may import a carrier. `domain` imports
 * nothing outside itself, `ports` only `domain`.
 *
 * Every import counts, `import type` too: a type that points up is still a file in the wrong
 * folder. No file may be part of an import cycle (`a → b → … → a`), so each file can be read,
 * tested and moved knowing only what is below it.
 *
 * The reader needs no parser: static `import … from` / `export … from` and side-effect imports
 * are matched at the start of a line (so doc comments that quote an import are skipped), and
 * dynamic `import('…')` with a literal anywhere outside a comment line. Bare specifiers
 * (packages, `node:`) are not the house's business here.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** The floors, top first. `app.ts` stands for every file directly in `src/`. */
const LAYERS: readonly (readonly string[])[] = [
  ['cli', 'testing', 'register'],
  ['app.ts'],
  ['api'],
  ['conferences', 'messages', 'queues'],
  ['calls'],
  ['session'],
  ['verbs'],
  ['twiml'],
  ['simnet', 'sip', 'webhooks', 'store'],
  ['recordings'],
  ['audio'],
  ['ports'],
  ['domain'],
];

/**
 * Cycles tolerated while a branch removes them (none now: the house has no cycle). An entry
 * that no longer matches any cycle fails the test, so the list cannot outlive its cycle.
 */
const KNOWN_CYCLES: readonly (readonly string[])[] = [];

/** File (relative to src/, `/`-separated) → the src/ files it imports. */
type ImportGraph = Map<string, string[]>;

const STATIC_IMPORT = /^[ \t]*(?:import|export)\s[^;'"]*?\bfrom\s*(['"])([^'"]+)\1/gm;
const SIDE_EFFECT_IMPORT = /^[ \t]*import\s*(['"])([^'"]+)\1/gm;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g;
const COMMENT_LINE = /^\s*(?:\/\/|\/?\*)/;

/** The module specifiers a source text imports, in the three forms the doc comment lists. */
export function specifiersOf(text: string): string[] {
  const found = [...text.matchAll(STATIC_IMPORT), ...text.matchAll(SIDE_EFFECT_IMPORT)].map((m) => m[2]);
  for (const line of text.split('\n')) {
    if (COMMENT_LINE.test(line)) continue;
    for (const m of line.matchAll(DYNAMIC_IMPORT)) found.push(m[2]);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return (path.endsWith('.ts') || path.endsWith('.cts')) && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The graph of `src/` as it is on disk; relative imports only, `.js` resolved to `.ts`. */
function readGraph(): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const path of sourceFiles(SRC)) {
    const targets: string[] = [];
    for (const specifier of specifiersOf(readFileSync(path, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const base = resolve(dirname(path), specifier).replace(/\.js$/, '');
      const target = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
      if (target?.startsWith(SRC + sep)) targets.push(relative(SRC, target).split(sep).join('/'));
    }
    graph.set(relative(SRC, path).split(sep).join('/'), targets);
  }
  return graph;
}

/** The folder a file belongs to for the layering: its top-level folder, or `app.ts` at the root. */
function roomOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? 'app.ts' : file.slice(0, slash);
}

function floorOf(room: string): number {
  return LAYERS.findIndex((floor) => floor.includes(room));
}

/** Every import that points up the layering or sideways between folders of one floor. */
export function layeringViolations(graph: ImportGraph): string[] {
  const problems: string[] = [];
  for (const [file, targets] of graph) {
    const from = roomOf(file);
    if (floorOf(from) < 0) {
      problems.push(`src/${file}: its folder "${from}" is on no floor of the layering; add it to LAYERS`);
      continue;
    }
    for (const target of targets) {
      const to = roomOf(target);
      if (to === from) continue;
      const [a, b] = [floorOf(from), floorOf(to)];
      if (b < 0) problems.push(`src/${file} imports src/${target}, whose folder "${to}" is on no floor of the layering`);
      else if (b < a) problems.push(`src/${file} imports src/${target}: ${from} may not import ${to}, which is above it`);
      else if (b === a) problems.push(`src/${file} imports src/${target}: ${from} and ${to} are on one floor and meet only through a port`);
    }
  }
  return problems;
}

/** The strongly connected components with more than one file, or one file importing itself (Tarjan). */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)?.includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** One concrete loop through a cycle's first file, for a message a reader can follow. */
function loopThrough(graph: ImportGraph, cycle: string[]): string {
  const members = new Set(cycle);
  const start = cycle[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of graph.get(file) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [file];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0])!);
        return [...path, start].map((f) => `src/${f}`).join(' → ');
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, file);
        queue.push(next);
      }
    }
  }
  return cycle.join(', ');
}

/** Cycles not on the known list, and known entries that no longer match a cycle. */
export function cycleProblems(graph: ImportGraph, known: readonly (readonly string[])[]): string[] {
  const cycles = importCycles(graph);
  const tolerated = (cycle: string[]) => known.some((entry) => cycle.every((file) => entry.includes(file)));
  const problems = cycles.filter((cycle) => !tolerated(cycle)).map((cycle) => `import cycle: ${loopThrough(graph, cycle)}`);
  for (const entry of known) {
    if (!cycles.some((cycle) => cycle.some((file) => entry.includes(file)))) {
      problems.push(`KNOWN_CYCLES lists ${entry.join(', ')}, which is no longer a cycle: remove the entry`);
    }
  }
  return problems;
}

describe('the boundaries of src/', () => {
  const graph = readGraph();

  it('reads the imports of every source file', () => {
    assert.ok(graph.size > 100, `only ${graph.size} files read from ${SRC}`);
    assert.ok(graph.get('app.ts')?.includes('api/http-server.ts'), 'app.ts → api/http-server.ts was not read');
  });

  it('has no import that points up the layering or sideways between adapters', () => {
    assert.deepEqual(layeringViolations(graph), []);
  });

  it('has no import cycle beyond the one known simnet cycle being split on another branch', () => {
    assert.deepEqual(cycleProblems(graph, KNOWN_CYCLES), []);
  });

  it('keeps domain free of imports from the rest of src/', () => {
    const outside = [...graph].flatMap(([file, targets]) =>
      roomOf(file) === 'domain' ? targets.filter((t) => roomOf(t) !== 'domain').map((t) => `src/${file} imports src/${t}`) : []);
    assert.deepEqual(outside, []);
  });
});

describe('the boundary checker itself', () => {
  const planted = (): ImportGraph => new Map([
    ['app.ts', ['api/http-server.ts']],
    ['api/http-server.ts', ['calls/call-service.ts']],
    ['calls/call-service.ts', ['domain/call.ts']],
    ['domain/call.ts', []],
  ]);

  it('passes a graph that only points down', () => {
    assert.deepEqual(layeringViolations(planted()), []);
    assert.deepEqual(cycleProblems(planted(), []), []);
  });

  it('names the file and the import of a planted upward import', () => {
    const graph = planted();
    graph.set('domain/call.ts', ['api/http-server.ts']);
    assert.deepEqual(layeringViolations(graph), [
      'src/domain/call.ts imports src/api/http-server.ts: domain may not import api, which is above it',
    ]);
  });

  it('refuses an adapter importing another adapter, and allows a carrier to use audio', () => {
    const graph: ImportGraph = new Map([
      ['sip/sip-leg.ts', ['simnet/sim-call.ts', 'audio/wav.ts', 'recordings/wav-file.ts']],
      ['recordings/wav-file.ts', ['audio/wav.ts']],
      ['audio/wav.ts', ['recordings/recordings.ts']],
    ]);
    assert.deepEqual(layeringViolations(graph), [
      'src/sip/sip-leg.ts imports src/simnet/sim-call.ts: sip and simnet are on one floor and meet only through a port',
      'src/audio/wav.ts imports src/recordings/recordings.ts: audio may not import recordings, which is above it',
    ]);
  });

  it('names a folder that is on no floor', () => {
    assert.deepEqual(layeringViolations(new Map([['conference/mixer.ts', []]])), [
      'src/conference/mixer.ts: its folder "conference" is on no floor of the layering; add it to LAYERS',
    ]);
  });

  it('finds a planted cycle and shows the loop', () => {
    const graph = planted();
    graph.set('calls/call-service.ts', ['domain/call.ts', 'calls/form.ts']);
    graph.set('calls/form.ts', ['calls/params.ts']);
    graph.set('calls/params.ts', ['calls/call-service.ts']);
    assert.deepEqual(cycleProblems(graph, []), [
      'import cycle: src/calls/call-service.ts → src/calls/form.ts → src/calls/params.ts → src/calls/call-service.ts',
    ]);
  });

  it('tolerates a known cycle but fails a known entry that is no longer a cycle', () => {
    const graph = planted();
    graph.set('domain/a.ts', ['domain/b.ts']);
    graph.set('domain/b.ts', ['domain/a.ts']);
    assert.deepEqual(cycleProblems(graph, [['domain/a.ts', 'domain/b.ts']]), []);
    graph.set('domain/b.ts', []);
    assert.deepEqual(cycleProblems(graph, [['domain/a.ts', 'domain/b.ts']]), [
      'KNOWN_CYCLES lists domain/a.ts, domain/b.ts, which is no longer a cycle: remove the entry',
    ]);
  });

  it('reads static, re-export, side-effect and literal dynamic imports, and skips quoted ones in comments', () => {
    const text = [
      "import type { A } from './a.js';",
      'import {',
      '  B,',
      "} from '../b.js';",
      "export * from './c.js';",
      "import './d.js';",
      "const e = await import('./e.js');",
      " * import { F } from './f.js';",
      "// const g = await import('./g.js');",
      'const h = await import(name);',
    ].join('\n');
    assert.deepEqual(specifiersOf(text).sort(), ['../b.js', './a.js', './c.js', './d.js', './e.js']);
  });
});
