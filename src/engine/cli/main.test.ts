// The `tickdesk` command in-process (e2e/cli-conventions.test.ts runs the binary): --help on every
// command and subcommand, usage errors (exit 2), and errors that name the file involved.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from './main';

const dir = mkdtempSync(join(tmpdir(), 'tickdesk-main-'));

/** Runs `tickdesk ARGS` here, with what it prints. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { log, error } = console;
  let stdout = '';
  let stderr = '';
  console.log = (...a: unknown[]) => void (stdout += a.join(' ') + '\n');
  console.error = (...a: unknown[]) => void (stderr += a.join(' ') + '\n');
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('--help works on every command and subcommand', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--help'], /^tickdesk — record, export and decode/],
    [['-h'], /^tickdesk — record, export and decode/],
    [['record', '--help'], /^tickdesk record \[options\]/],
    [['serve', '--help'], /^tickdesk serve \[--demo\]/],
    [['export', '--help'], /^tickdesk export --instrument/],
    [['backfill', '--help'], /^tickdesk backfill --instrument/],
    [['login', '--help'], /^tickdesk login kite\|dhan/],
    [['login', 'kite', '-h'], /^tickdesk login kite\|dhan/],
    [['decode', '--help'], /^tickdesk decode kite\|dhan/],
    [['decode', 'kite', '--help'], /^tickdesk decode kite\|dhan/],
    [['decode', 'dhan', 'some.capture', '-h'], /^tickdesk decode kite\|dhan/],
    [['db', '--help'], /^tickdesk db init/],
    [['db', 'init', '--help'], /^tickdesk db init/],
    [['db', 'init', '--url', 'postgres://x@127.0.0.1:1/db', '-h'], /^tickdesk db init/],
    [['help', 'export'], /^tickdesk export --instrument/],
    [['brokers', '--help'], /^tickdesk brokers \[--json\]/],
  ];
  for (const [args, help] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, help, args.join(' '));
  }
});

test('a missing or unknown command or subcommand, and durations that are not positive, are usage errors (exit 2)', async () => {
  const bare = await cli([]);
  assert.equal(bare.code, 2);
  assert.equal(bare.stdout, '');
  assert.match(bare.stderr, /^usage: tickdesk <command> \[options\]\ncommands: record, export, backfill, login, decode, brokers, serve, db\n/);
  for (const name of ['frobnicate', 'constructor', '__proto__', 'toString']) {
    const r = await cli([name]);
    assert.equal(r.code, 2, name);
    assert.equal(r.stderr, `tickdesk: unknown command "${name}" (try: record, export, backfill, login, decode, brokers, serve, db)\n`);
  }
  const migrate = await cli(['db', 'migrate']);
  assert.deepEqual([migrate.code, migrate.stderr], [2, 'tickdesk db: unknown subcommand migrate (try: tickdesk db init)\n']);
  for (const args of [
    ['record', '--duration', '0'],
    ['record', '--duration', '0ms'],
    ['record', '--duration=-5s'],
    ['serve', '--demo', '--duration', '0s'],
    ['login', 'kite', '--timeout', '0'],
  ]) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^tickdesk ${args[0]}: bad duration ".*": it must be more than 0`), args.join(' '));
  }
  const days = await cli(['db', 'init', '--url', 'postgres://x@127.0.0.1:1/db', '--retain-days', 'forever']);
  assert.deepEqual([days.code, days.stderr], [2, 'tickdesk db: --retain-days must be a whole number of days, at least 1 (got "forever")\n']);
  const extra = await cli(['decode', 'kite', 'a.capture', 'b.capture']);
  assert.equal(extra.code, 2);
});

test('errors name the file involved', async () => {
  const missingDir = join(dir, 'no-such-dir', 'j.sqlite');
  const missingFile = join(dir, 'missing.sqlite');
  const notDb = join(dir, 'notes.sqlite');
  writeFileSync(notDb, 'not a database, just some text long enough to have a header '.repeat(20));
  const dirJournal = join(dir, 'a-directory.sqlite');
  mkdirSync(dirJournal);
  const cases: Array<[string[], string, RegExp]> = [
    [['export', '--instrument', 'NSE:INFY', '--journal', missingDir], missingDir, /directory does not exist/],
    [['export', '--instrument', 'NSE:INFY', '--journal', missingFile], missingFile, /unable to open database file/],
    [['export', '--instrument', 'NSE:INFY', '--journal', notDb], notDb, /file is not a database/],
    [['record', '--duration', '1s', '--journal', missingDir], missingDir, /directory does not exist/],
    [['record', '--duration', '1s', '--journal', dirJournal], dirJournal, /unable to open database file/],
    [['serve', '--port', '0', '--journal', notDb], notDb, /file is not a database/],
    [['backfill', '--broker', 'sim', '--instrument', 'NSE:INFY', '--from', '2026-11-20', '--journal', notDb], notDb, /file is not a database/],
  ];
  for (const [args, path, why] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(`tickdesk ${args[0]}: journal ${path}: `), `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, why);
  }
  const config = join(dir, 'config.json');
  writeFileSync(config, '{"kite": {"apiKey": "k",}}');
  const r = await cli(['record', '--config', config, '--journal', join(dir, 'never.sqlite')]);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(r.stderr.startsWith(`tickdesk record: config ${config}: `), r.stderr);
  assert.match(r.stderr, /JSON/);
});

test('brokers: one table row per registered broker, and the same list as JSON', async () => {
  const table = await cli(['brokers']);
  assert.equal(table.code, 0);
  const rows = table.stdout.trim().split('\n');
  assert.equal(rows[0], '| `--broker` | Name | Live modes | Full depth | History intervals | Instrument master | Login |');
  assert.match(rows.find((r) => r.startsWith('| `dhan` |'))!, /\| 20 levels \(≤ 250 instruments\), 200 levels \(≤ 5 instruments\) \|.*\| popup \(desktop\), browser \(tickdesk login\), pasted token \|$/);
  const json = await cli(['brokers', '--json']);
  const list = JSON.parse(json.stdout) as Array<{ id: string }>;
  assert.deepEqual(list.map((b) => b.id), rows.slice(2).map((r) => /^\| `([^`]+)`/.exec(r)![1]));
  assert.equal((await cli(['brokers', '--nope'])).code, 2);
});
