// Browser logins against the simulators, with redirects that are not this login's pushed at the
// listener first (a web page, or a stale tab): they are answered 404 and the real login completes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DhanRestSimulator } from '../sim/dhan/rest-server';
import { KiteSimulator } from '../sim/kite/server';
import { dhanLoopbackLogin } from '../brokers/dhan/auth';
import { kiteLoopbackLogin } from '../brokers/kite/auth';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** The user: open the login page, submit the form; returns where the broker redirects the browser. */
async function logInOnPage(loginUrl: string, fields: Record<string, string>): Promise<string> {
  const page = await (await fetch(loginUrl)).text();
  const action = new URL(/action="([^"]+)"/.exec(page)![1].replace(/&amp;/g, '&'), loginUrl);
  const hidden = Object.fromEntries([...page.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const post = await fetch(action, { method: 'POST', body: new URLSearchParams({ ...hidden, ...fields }), redirect: 'manual' });
  return post.headers.get('location')!;
}

test('kite: redirects without our state (forged cancel, foreign state, none) get 404; the real one logs in', async () => {
  const port = await freePort();
  const sim = new KiteSimulator({ ticksPerSecond: 1, redirectUrl: `http://127.0.0.1:${port}/kite/callback` });
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-login-flow-'));
  try {
    let urlReady!: (u: string) => void;
    const ready = new Promise<string>((r) => (urlReady = r));
    const login = kiteLoopbackLogin({ port, timeoutMs: 10_000, dir, onUrl: urlReady, apiKey: sim.apiKey, apiSecret: sim.apiSecret, restRoot: sim.restUrl, loginRoot: sim.restUrl });
    const loginUrl = await ready;
    const state = new URLSearchParams(new URL(loginUrl).searchParams.get('redirect_params')!).get('state')!;
    assert.match(state, /^[0-9a-f]{24}$/);
    const cb = `http://127.0.0.1:${port}/kite/callback`;
    for (const q of ['?status=cancelled&request_token=x&state=0123', '?status=success&request_token=x&state=0123', '?status=success&request_token=x', '']) {
      const r = await fetch(cb + q);
      assert.equal(r.status, 404, q);
      assert.equal(await r.text(), 'not this login');
    }
    const redirect = await logInOnPage(loginUrl, { user_id: 'SIM001', password: 'sim-password' });
    assert.ok(redirect.includes(`state=${state}`));
    const landing = await fetch(redirect);
    assert.equal(landing.status, 200);
    assert.match(await landing.text(), /Logged in to Kite as SIM001/);
    const result = await login;
    assert.equal(result.who, 'Kite as SIM001');
    assert.equal(JSON.parse(readFileSync(result.saved, 'utf8')).accessToken, result.accessToken);
  } finally {
    await sim.stop();
  }
});

test('kite: our state with a failed status still ends the login with the reason', async () => {
  const port = await freePort();
  let urlReady!: (u: string) => void;
  const ready = new Promise<string>((r) => (urlReady = r));
  const login = kiteLoopbackLogin({ port, timeoutMs: 10_000, dir: mkdtempSync(join(tmpdir(), 'tickdesk-login-flow-')), onUrl: urlReady, apiKey: 'k', apiSecret: 's', restRoot: 'http://127.0.0.1:9', loginRoot: 'http://127.0.0.1:9' });
  const state = new URLSearchParams(new URL(await ready).searchParams.get('redirect_params')!).get('state')!;
  const outcome = assert.rejects(login, /Kite login did not succeed \(status=cancelled\)/);
  const r = await fetch(`http://127.0.0.1:${port}/kite/callback?status=cancelled&state=${state}`);
  assert.equal(r.status, 400);
  await outcome;
});

test('dhan: a redirect without a tokenId, a forged tokenId and a used one get 404; the real one logs in', async () => {
  const port = await freePort();
  const sim = new DhanRestSimulator({ redirectUrl: `http://127.0.0.1:${port}/dhan/callback` });
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-login-flow-'));
  const start = () => {
    let urlReady!: (u: string) => void;
    const ready = new Promise<string>((r) => (urlReady = r));
    const login = dhanLoopbackLogin({ port, timeoutMs: 10_000, dir, onUrl: urlReady, clientId: sim.clientId, apiKey: sim.apiKey, apiSecret: sim.apiSecret, authRoot: sim.authRoot });
    return { ready, login };
  };
  try {
    // A first login, whose redirect a stale tab can replay later.
    const first = start();
    const firstRedirect = await logInOnPage(await first.ready, { clientId: sim.clientId, pin: '1234' });
    assert.equal((await fetch(firstRedirect)).status, 200);
    const firstResult = await first.login;

    const second = start();
    const loginUrl = await second.ready;
    const cb = `http://127.0.0.1:${port}/dhan/callback`;
    for (const url of [cb, `${cb}?tokenId=`, `${cb}?tokenId=forged`, firstRedirect]) {
      const r = await fetch(url);
      assert.equal(r.status, 404, url);
      assert.equal(await r.text(), 'not this login');
    }
    const redirect = await logInOnPage(loginUrl, { clientId: sim.clientId, pin: '1234' });
    const landing = await fetch(redirect);
    assert.equal(landing.status, 200);
    assert.match(await landing.text(), /Logged in to Dhan as /);
    const result = await second.login;
    assert.notEqual(result.accessToken, firstResult.accessToken);
    assert.equal(JSON.parse(readFileSync(result.saved, 'utf8')).accessToken, result.accessToken);
  } finally {
    await sim.stop();
  }
});
