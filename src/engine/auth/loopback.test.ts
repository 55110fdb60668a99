// The one-shot login listener against what any web page (or a stray tab) can send it: raw request
// lines, other paths, redirects that are not this login's, a check that throws.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { awaitRedirect, type LoopbackOptions } from './loopback';

/** Starts a listener on a free port; resolves once it listens, with its redirect URL. */
async function listen(page?: LoopbackOptions['page']): Promise<{ redirect: string; port: number; done: Promise<URL> }> {
  let ready!: (url: string) => void;
  const listening = new Promise<string>((r) => (ready = r));
  const done = awaitRedirect({ port: 0, path: '/kite/callback', timeoutMs: 10_000, onListening: ready, page });
  const redirect = await listening;
  return { redirect, port: Number(new URL(redirect).port), done };
}

/** Writes `request` byte for byte; resolves with the status line of the answer. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request, 'latin1'));
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('close', () => resolve(got.split('\r\n')[0]));
    socket.on('error', reject);
    socket.setTimeout(3000, () => socket.destroy());
  });
}

const line = (target: string) => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;

test('malformed request lines get 400, other paths 404; the listener keeps waiting for the redirect', async () => {
  const { redirect, port, done } = await listen();
  assert.equal(await raw(port, line('http://[')), 'HTTP/1.1 400 Bad Request');
  assert.equal(await raw(port, line('//[')), 'HTTP/1.1 400 Bad Request');
  assert.equal(await raw(port, line('http://127.0.0.1/kite/callback?request_token=x')), 'HTTP/1.1 400 Bad Request', 'absolute form: not from a browser');
  assert.equal(await raw(port, line('/%')), 'HTTP/1.1 404 Not Found');
  assert.equal(await raw(port, line('/kite/callback%')), 'HTTP/1.1 404 Not Found');
  assert.equal(await raw(port, `POST /kite/callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`), 'HTTP/1.1 404 Not Found');
  const res = await fetch(`${redirect}?request_token=abc&state=s1`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /Logged in\. You can close this tab\./);
  assert.equal((await done).searchParams.get('request_token'), 'abc');
});

test('a redirect the page does not claim (forged, stale) is answered 404 and the wait goes on; a trailing slash is the same path', async () => {
  const seen: string[] = [];
  const { redirect, done } = await listen(async (url) => {
    seen.push(url.search);
    return url.searchParams.get('state') === 'ours' ? { ok: true, text: 'Logged in to Kite as SIM001.' } : null;
  });
  const forged = await fetch(`${redirect}?status=cancelled&state=theirs`);
  assert.equal(forged.status, 404);
  assert.equal(await forged.text(), 'not this login');
  assert.equal((await fetch(`${redirect}?request_token=x`)).status, 404);
  const real = await fetch(`${redirect}/?request_token=t&state=ours`);
  assert.equal(real.status, 200);
  assert.match(await real.text(), /<p>Logged in to Kite as SIM001\.<\/p>/);
  assert.equal((await done).search, '?request_token=t&state=ours');
  assert.deepEqual(seen, ['?status=cancelled&state=theirs', '?request_token=x', '?request_token=t&state=ours']);
  await assert.rejects(fetch(redirect), 'closed after the real one');
});

test('a check that throws fails the login with a 500 page, not the process', async () => {
  const { redirect, done } = await listen(async () => {
    throw new Error('exchange <broke>');
  });
  const outcome = assert.rejects(done, /exchange <broke>/);
  const res = await fetch(`${redirect}?request_token=x`);
  assert.equal(res.status, 500);
  assert.match(await res.text(), /<p>Login failed: exchange &lt;broke&gt;<\/p>/);
  await outcome;
});

test('redirects are checked one at a time; more than 8 waiting are refused with 429', async () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let checking = 0;
  let most = 0;
  const { redirect, done } = await listen(async (url) => {
    most = Math.max(most, ++checking);
    await gate;
    checking--;
    return url.searchParams.get('state') === 'ours' ? { ok: true, text: 'ok' } : null;
  });
  const forged = Array.from({ length: 8 }, (_, i) => fetch(`${redirect}?state=f${i}`));
  await new Promise((r) => setTimeout(r, 100));
  const busy = await fetch(`${redirect}?state=ours`);
  assert.equal(busy.status, 429);
  assert.equal(await busy.text(), 'busy: reload this page in a moment');
  open();
  assert.deepEqual(await Promise.all(forged.map(async (f) => (await f).status)), Array(8).fill(404));
  assert.equal(most, 1);
  assert.equal((await fetch(`${redirect}?state=ours`)).status, 200);
  assert.equal((await done).searchParams.get('state'), 'ours');
});
