// "A broker is one folder" (ARCHITECTURE.md §2): outside brokers/<name>/, sim/<name>/ and the
// registry, no source compares a broker id to a literal — code asks the registry's capabilities.
// The files listed in PENDING still do (none left: the desktop app's main process and renderer
// read brokers/catalog.ts and the Engine API's `brokers`): a ratchet, their counts may only go
// down, and a file that reaches zero leaves the list.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { brokerIds, brokers } from './registry';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Files that still compare broker ids to literals, with how many comparisons each holds today. */
const PENDING: Readonly<Record<string, number>> = {};

/** Every name a broker goes by: registry ids and the protocols they speak. */
const IDS = [...new Set([...brokerIds(), ...brokers().map((b) => b.protocol)])];

/** A string literal whose text is a broker id, or a prefix of one (for startsWith). */
const quoted = (names: readonly string[]) => `(['"\`])(?:${names.map((n) => n.replace(/[-]/g, '\\-')).join('|')})\\1`;
/** Prefixes of three letters or more (shorter ones are too common to mean a broker). */
const prefixes = [...new Set(IDS.flatMap((id) => Array.from({ length: id.length - 2 }, (_, i) => id.slice(0, i + 3))))];

/** The shapes of a comparison with a broker id. */
const PATTERNS: readonly RegExp[] = [
  new RegExp(`[!=]==?\\s*${quoted(IDS)}`, 'g'), // x === 'kite'
  new RegExp(`${quoted(IDS)}\\s*[!=]==?`, 'g'), // 'kite' === x
  new RegExp(`\\bcase\\s+${quoted(IDS)}`, 'g'), // case 'dhan':
  new RegExp(`\\.startsWith\\(\\s*${quoted(prefixes)}`, 'g'), // b.startsWith('dhan')
  new RegExp(`\\.endsWith\\(\\s*${quoted(IDS)}`, 'g'), // b.endsWith('dhan')
  new RegExp(`\\[\\s*${quoted(IDS)}(?:\\s*,\\s*${quoted(IDS)})*\\s*,?\\s*\\]\\s*\\.includes\\(`, 'g'), // ['kite', 'sim'].includes(b)
];

/** The comparisons of a broker id to a literal in a source text. */
export function brokerLiteralComparisons(text: string): string[] {
  const found: string[] = [];
  for (const p of PATTERNS) for (const m of text.matchAll(p)) found.push(m[0]);
  return found;
}

/** Where comparisons are the point: each broker's own folder, its simulator, the registry; and tests. */
function exempt(path: string): boolean {
  return (
    /\.test\.tsx?$/.test(path) ||
    /^src\/engine\/brokers\/[^/]+\//.test(path) ||
    /^src\/engine\/sim\/[^/]+\//.test(path) ||
    path === 'src/engine/brokers/registry.ts'
  );
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(relative(ROOT, p).split(sep).join('/'));
  }
  return out;
}

test('the detector sees each shape of comparison, and not a mere mention', () => {
  assert.deepEqual(brokerLiteralComparisons(`if (b === 'kite') x(); if ("dhan" !== b) y();`), [`=== 'kite'`, `"dhan" !==`]);
  assert.deepEqual(brokerLiteralComparisons('switch (b) {\n  case `sim-dhan`: break;\n}'), ['case `sim-dhan`']);
  assert.deepEqual(brokerLiteralComparisons(`b.startsWith('dha') || b.endsWith("dhan") || s.startsWith('s')`), [`.startsWith('dha'`, `.endsWith("dhan"`]);
  assert.deepEqual(brokerLiteralComparisons(`if (['kite', 'sim'].includes(b)) z();`), [`['kite', 'sim'].includes(`]);
  assert.deepEqual(brokerLiteralComparisons(`new Recorder({ broker: 'sim' }); savedSession('kite'); const d = 'dhan-depth20' === f;`), []);
});

test('outside the broker folders and the registry, no source compares a broker id to a literal (pending files only shrink)', () => {
  const counts: Record<string, number> = {};
  for (const path of sources(join(ROOT, 'src'))) {
    if (exempt(path)) continue;
    const n = brokerLiteralComparisons(readFileSync(join(ROOT, path), 'utf8')).length;
    if (n) counts[path] = n;
  }
  const over = Object.entries(counts).filter(([path, n]) => n > (PENDING[path] ?? 0));
  assert.deepEqual(over, [], 'these files compare broker ids to literals: ask the registry (brokers/registry.ts) for capabilities instead');
  // A pending file that got better lowers its count here, so it cannot grow back.
  const stale = Object.entries(PENDING).filter(([path, n]) => (counts[path] ?? 0) < n);
  assert.deepEqual(stale, [], 'fewer comparisons than PENDING allows: lower the count (or remove the file) in PENDING');
});
