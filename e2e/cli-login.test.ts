// `tickdesk login kite|dhan` end to end against the simulators (this test is the user's browser),
// then `record` on the saved session; a wrong secret, an abandoned login and an expired session.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DhanFeedSimulator } from '../src/engine/sim/dhan/feed-server';
import { DhanRestSimulator } from '../src/engine/sim/dhan/rest-server';
import { KiteSimulator } from '../src/engine/sim/kite/server';
import { defaultUniverse } from '../src/engine/sim/market/market';

import { freePort } from './helpers';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;


/** Runs the CLI; `onLine` sees stderr lines as they come (to act on the printed login URL). */
function cli(args: string[], env: Record<string, string | undefined>, onLine?: (line: string) => void): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const clean = { ...process.env, KITE_API_KEY: '', KITE_API_SECRET: '', KITE_ACCESS_TOKEN: '', DHAN_ACCESS_TOKEN: '', DHAN_CLIENT_ID: '', ...env } as Record<string, string>;
    for (const k of Object.keys(clean)) if (clean[k] === '') delete clean[k];
    const child = spawn(process.execPath, [BIN, ...args], { env: clean, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let partial = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) onLine?.(l);
    });
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

/** The user: open the login page, submit the form, follow the redirect to the local listener. */
async function browse(loginUrl: string, fields: Record<string, string>): Promise<{ status: number; text: string; redirect: string }> {
  const page = await (await fetch(loginUrl)).text();
  const action = new URL(/action="([^"]+)"/.exec(page)![1].replace(/&amp;/g, '&'), loginUrl);
  const hidden = Object.fromEntries([...page.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const post = await fetch(action, { method: 'POST', body: new URLSearchParams({ ...hidden, ...fields }), redirect: 'manual' });
  const redirect = post.headers.get('location');
  assert.ok(redirect, `the login page redirected (HTTP ${post.status})`);
  const landing = await fetch(redirect);
  return { status: landing.status, text: await landing.text(), redirect };
}

test('login kite: browser → redirect → checksum exchange → session file 0600 → record uses it; reuse, wrong secret, timeout, expiry', async () => {
  const port = await freePort();
  const universe = defaultUniverse({ optionStrikes: 2 });
  const sim = new KiteSimulator({ instruments: universe, ticksPerSecond: 500, redirectUrl: `http://127.0.0.1:${port}/kite/callback` });
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-login-'));
  try {
    const args = ['login', 'kite', '--no-browser', '--port', String(port), '--config-dir', dir, '--login-root', sim.restUrl, '--rest-root', sim.restUrl];
    const env = { KITE_API_KEY: sim.apiKey, KITE_API_SECRET: sim.apiSecret };
    let landed!: Promise<{ status: number; text: string; redirect: string }>;
    const r = await cli(args, env, (l) => {
      const m = /^Log in at: (\S+)/.exec(l);
      if (m) landed = browse(m[1], { user_id: 'SIM001', password: 'sim-password' });
    });
    assert.equal(r.status, 0, r.stderr);
    const { status, text, redirect } = await landed;
    assert.equal(status, 200);
    assert.match(text, /Logged in to Kite as SIM001/);
    assert.match(redirect, /request_token=[0-9a-f]+/);
    assert.match(redirect, /state=[0-9a-f]{24}/, 'our state came back through redirect_params');
    const file = join(dir, 'session-kite.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(saved.apiKey, sim.apiKey);
    assert.ok(saved.expiresAt > Date.now() && saved.expiresAt - Date.now() <= 24 * 3600_000, 'until the next 06:00 IST');
    assert.equal(new Date(saved.expiresAt + 19_800_000).toISOString().slice(11, 16), '06:00');
    assert.match(r.stderr, /Session saved to .*session-kite\.json/);

    // The request token was single use: replaying the redirect finds no listener, and the
    // exchange itself refuses it.
    await assert.rejects(fetch(redirect));
    const { exchangeKiteRequestToken } = await import('../src/engine/brokers/kite/auth');
    await assert.rejects(exchangeKiteRequestToken({ restRoot: sim.restUrl, apiKey: sim.apiKey, apiSecret: sim.apiSecret, requestToken: new URL(redirect).searchParams.get('request_token')! }), /Token is invalid or has expired/);

    // record with no token in the environment: the saved session is used.
    const journal = join(dir, 'j.sqlite');
    const rec = await cli(['record', '--broker', 'kite', '--instruments', 'NSE:INFY', '--duration', '2s', '--journal', journal, '--rest-root', sim.restUrl, '--ws-root', sim.wsUrl], { TICKDESK_CONFIG_DIR: dir });
    assert.equal(rec.status, 0, rec.stderr);
    assert.match(rec.stderr, /committed [1-9]\d* ticks/);

    // A wrong secret: the page says so, the command exits 3 (login needed).
    let wrongPage!: Promise<{ status: number; text: string }>;
    const wrong = await cli(args, { ...env, KITE_API_SECRET: 'not-the-secret' }, (l) => {
      const m = /^Log in at: (\S+)/.exec(l);
      if (m) wrongPage = browse(m[1], { user_id: 'SIM001', password: 'sim-password' });
    });
    assert.equal(wrong.status, 3, wrong.stderr);
    assert.match(wrong.stderr, /login needed \(kite\): .*Invalid `checksum`/);
    assert.equal((await wrongPage).status, 400);

    // Nobody logs in: time-boxed.
    const idle = await cli([...args, '--timeout', '1s'], env);
    assert.equal(idle.status, 1);
    assert.match(idle.stderr, /no redirect within 1 s: login abandoned/);

    // The day rolls over: the saved session is never reused.
    writeFileSync(file, JSON.stringify({ ...saved, expiresAt: Date.now() - 1 }), { mode: 0o600 });
    const stale = await cli(['record', '--broker', 'kite', '--instruments', 'NSE:INFY', '--duration', '1s', '--journal', journal, '--rest-root', sim.restUrl, '--ws-root', sim.wsUrl], { TICKDESK_CONFIG_DIR: dir });
    assert.equal(stale.status, 3, stale.stderr);
    assert.match(stale.stderr, /saved kite session has expired: run tickdesk login kite/);
  } finally {
    await sim.stop();
  }
});

test('login dhan: consent → login page → tokenId → consume → session file; record --broker dhan uses it', async () => {
  const port = await freePort();
  const universe = defaultUniverse({ optionStrikes: 2 });
  const feedSim = new DhanFeedSimulator({ instruments: universe, tokens: [], ticksPerSecond: 500 });
  await feedSim.start();
  const rest = new DhanRestSimulator({ instruments: universe, redirectUrl: `http://127.0.0.1:${port}/dhan/callback`, onIssued: (t) => feedSim.grantToken(t) });
  await rest.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-login-dhan-'));
  try {
    let landed!: Promise<{ status: number; text: string }>;
    const r = await cli(
      ['login', 'dhan', '--no-browser', '--port', String(port), '--config-dir', dir, '--login-root', rest.authRoot],
      { DHAN_CLIENT_ID: rest.clientId, DHAN_API_KEY: rest.apiKey, DHAN_API_SECRET: rest.apiSecret },
      (l) => {
        const m = /^Log in at: (\S+)/.exec(l);
        if (m) landed = browse(m[1], { clientId: rest.clientId, pin: '1234' });
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match((await landed).text, /Logged in to Dhan as SIM TRADER/);
    const file = join(dir, 'session-dhan.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(saved.clientId, rest.clientId);
    assert.ok(Math.abs(saved.expiresAt - (Date.now() + 24 * 3600_000)) < 60_000);
    const rec = await cli(
      ['record', '--broker', 'dhan', '--instruments', 'NSE:INFY', '--duration', '2s', '--journal', join(dir, 'j.sqlite'), '--rest-root', rest.root, '--ws-root', feedSim.root],
      { TICKDESK_CONFIG_DIR: dir },
    );
    assert.equal(rec.status, 0, rec.stderr);
    assert.match(rec.stderr, /committed [1-9]\d* ticks/);
  } finally {
    await feedSim.stop();
    await rest.stop();
  }
});
