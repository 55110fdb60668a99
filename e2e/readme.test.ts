// The README stays true: every option a command's --help lists is documented in that command's
// README section, and every option the README documents for a command exists.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BACKFILL_HELP } from '../src/engine/cli/backfill';
import { brokersTable, BROKERS_HELP } from '../src/engine/cli/brokers';
import { DB_HELP } from '../src/engine/cli/db';
import { DECODE_HELP } from '../src/engine/cli/decode';
import { EXPORT_HELP } from '../src/engine/cli/export';
import { LOGIN_HELP } from '../src/engine/cli/login';
import { RECORD_HELP } from '../src/engine/cli/record';
import { SERVE_HELP } from '../src/engine/cli/serve';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The text of one `### \`name\`` section, up to the next heading of its level or above. */
function section(name: string): string {
  const start = README.indexOf(`### \`${name}\``);
  assert.ok(start >= 0, `README has no section for \`${name}\``);
  const rest = README.slice(start + 4);
  const end = rest.search(/\n#{2,3} /);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The --options named in a text (not flags quoted inside words). */
function options(text: string): Set<string> {
  return new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0]));
}

const COMMANDS: Array<[string, string]> = [
  ['record', RECORD_HELP],
  ['serve', SERVE_HELP],
  ['export', EXPORT_HELP],
  ['backfill', BACKFILL_HELP],
  ['login', LOGIN_HELP],
  ['db init', DB_HELP],
  ['decode', DECODE_HELP],
  ['brokers', BROKERS_HELP],
];

test('every option in each command\'s --help is in its README section', () => {
  for (const [name, help] of COMMANDS) {
    const doc = options(section(name));
    // serve takes every record option: its section points at record's list.
    const documented = name === 'serve' ? new Set([...doc, ...options(section('record'))]) : doc;
    const missing = [...options(help)].filter((o) => !documented.has(o) && o !== '--help');
    assert.deepEqual(missing, [], `README's \`${name}\` section lacks ${missing.join(', ')}`);
  }
});

test('every option the README documents for a command exists in its --help', () => {
  for (const [name, help] of COMMANDS) {
    const known = name === 'serve' ? new Set([...options(help), ...options(RECORD_HELP)]) : options(help);
    // Options of other commands named in passing (e.g. "record takes --sink") are not this one's:
    // only the option lists (indented lines in code blocks) are held to it.
    const listed = [...section(name).matchAll(/^ {2}(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]);
    const unknown = listed.filter((o) => !known.has(o));
    assert.deepEqual(unknown, [], `README documents ${unknown.join(', ')} for \`${name}\`, which --help does not know`);
  }
});

test('the README names the install, record and test commands a new user runs', () => {
  const quick = README.slice(README.indexOf('## Quick start'));
  assert.match(quick, /^npm ci\b/m);
  assert.match(quick, /^npx tickdesk record --duration 20s\b/m);
  assert.match(README, /^npm test\b/m);
  assert.doesNotMatch(README, /ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci/, 'the install command needs no environment variable');
});

test('the README\'s broker table is `tickdesk brokers`: every registered broker with its capabilities', () => {
  const m = /<!-- brokers:start[^>]*-->\n([\s\S]*?)\n<!-- brokers:end -->/.exec(README);
  assert.ok(m, 'README has the generated broker table');
  assert.equal(m[1], brokersTable(), 'regenerate it with `npx tickdesk brokers`');
});
