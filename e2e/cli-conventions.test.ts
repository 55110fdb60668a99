// The `tickdesk` binary keeps the conventions users and scripts expect (the full matrix runs
// in-process in src/engine/cli/main.test.ts): --version, a short usage and exit 2 without a command,
// --help on subcommands, usage errors for unknown subcommands and durations that are not positive.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { brokers } from '../src/engine/brokers/registry';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

test('tickdesk --version, tickdesk alone, --help on subcommands, db migrate, --duration 0', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const [v, bare, dbInitHelp, decodeHelp] = await Promise.all([run(['--version']), run([]), run(['db', 'init', '--help']), run(['decode', 'kite', '--help'])]);
  assert.deepEqual([v.code, v.stdout], [0, `${version}\n`]);
  assert.equal(bare.code, 2);
  assert.equal(bare.stdout, '');
  assert.match(bare.stderr, /^usage: tickdesk <command> \[options\]\n/);
  assert.ok(bare.stderr.trimEnd().split('\n').length <= 4, 'short: the full help is --help');
  assert.deepEqual([dbInitHelp.code, dbInitHelp.stdout.split('\n')[0]], [0, 'tickdesk db init --url postgres://USER@HOST:PORT/DB [options]']);
  assert.deepEqual([decodeHelp.code, decodeHelp.stdout.split('\n')[0]], [0, `tickdesk decode ${brokers().flatMap((b) => Object.keys(b.captures ?? {})).join('|')} FILE`]);

  const [migrate, zero, negative] = await Promise.all([run(['db', 'migrate']), run(['record', '--duration', '0']), run(['record', '--duration=-5s'])]);
  assert.deepEqual([migrate.code, migrate.stderr], [2, 'tickdesk db: unknown subcommand migrate (try: tickdesk db init)\n']);
  for (const [d, given] of [
    [zero, '0'],
    [negative, '-5s'],
  ] as const) {
    assert.equal(d.code, 2, d.stderr);
    assert.equal(d.stderr, `tickdesk record: bad duration "${given}": it must be more than 0 (examples: 20s, 5m, 1h)\n`, 'refused before recording');
  }
});
