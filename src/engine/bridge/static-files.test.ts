// The page's files as `tickdesk serve` answers them: gzipped for a browser that takes gzip, the
// same bytes as on disk once inflated, whole with a Content-Length in one answer; as they are for
// a client that does not; a file rebuilt on disk answered anew; HEAD without a body.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startUiServer, type UiServer } from './http';
import type { EngineChannel } from './server';
import { acceptsGzip, StaticFiles } from './static-files';

const dir = mkdtempSync(join(tmpdir(), 'tickdesk-static-'));
mkdirSync(join(dir, 'assets'));
// A script like the page's: text that compresses, large enough to have taken many 64 KB pieces.
const script = Array.from({ length: 20_000 }, (_, i) => `function f${i}(a,b){return a*${i}+b;}`).join('\n');
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(dir, 'assets', 'app.js'), script);
const noise = randomBytes(4096); // does not compress: goes as it is
writeFileSync(join(dir, 'assets', 'noise.js'), noise);

let server: UiServer;
before(async () => {
  // No bridge traffic here: the static side only.
  server = await startUiServer({ service: {} as EngineChannel, staticDir: dir, port: 0 });
});
after(() => server.close());

/** A raw GET/HEAD (fetch would inflate for us and hide the encoding). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a browser that takes gzip gets the script gzipped, the same bytes once inflated, with its length', async () => {
  const r = await get('/assets/app.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(r.headers.vary, 'Accept-Encoding');
  assert.equal(Number(r.headers['content-length']), r.body.length);
  assert.ok(r.body.length < script.length / 3, `${r.body.length} bytes for ${script.length}`);
  assert.equal(gunzipSync(r.body).toString(), script);
  assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
});

test('a client without gzip (or refusing it) gets the file as it is', async () => {
  for (const accept of [undefined, 'identity', 'gzip;q=0', 'br', '*;q=0']) {
    const r = await get('/assets/app.js', accept ? { 'accept-encoding': accept } : {});
    assert.equal(r.headers['content-encoding'], undefined, String(accept));
    assert.equal(r.body.toString(), script, String(accept));
    assert.equal(Number(r.headers['content-length']), Buffer.byteLength(script));
  }
});

test('what does not compress, and HEAD, go without a gzipped body', async () => {
  const r = await get('/assets/noise.js', { 'accept-encoding': 'gzip' });
  assert.equal(r.headers['content-encoding'], undefined);
  assert.deepEqual(r.body, noise);
  const h = await get('/assets/app.js', { 'accept-encoding': 'gzip' }, 'HEAD');
  assert.equal(h.status, 200);
  assert.equal(h.body.length, 0);
  assert.ok(Number(h.headers['content-length']) > 0);
});

test('a file rebuilt on disk is answered anew, not from memory', async () => {
  const first = await get('/index.html', { 'accept-encoding': 'gzip' });
  assert.equal(first.body.toString(), '<!doctype html><title>t</title>');
  assert.equal(first.headers['cache-control'], 'no-store');
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>rebuilt</title>');
  const later = new Date(Date.now() + 5000);
  utimesSync(join(dir, 'index.html'), later, later); // a new mtime even on a coarse clock
  const second = await get('/index.html', { 'accept-encoding': 'gzip' });
  assert.equal(second.body.toString(), '<!doctype html><title>rebuilt</title>');
});

test('acceptsGzip reads Accept-Encoding as browsers send it', () => {
  assert.equal(acceptsGzip('gzip, deflate, br'), true);
  assert.equal(acceptsGzip('GZIP'), true);
  assert.equal(acceptsGzip('br;q=1.0, gzip;q=0.5'), true);
  assert.equal(acceptsGzip('*'), true);
  assert.equal(acceptsGzip('*;q=0, gzip'), true, 'named beats the wildcard');
  assert.equal(acceptsGzip('gzip;q=0, *'), false);
  assert.equal(acceptsGzip('deflate'), false);
  assert.equal(acceptsGzip(''), false);
  assert.equal(acceptsGzip(undefined), false);
});

test('a file gone between listing and reading is an error for that request only', async () => {
  const files = new StaticFiles();
  files.warm([join(dir, 'missing.js')]); // ignored
  await assert.rejects(files.get(join(dir, 'missing.js'), 'gzip'));
  assert.equal((await files.get(join(dir, 'assets', 'app.js'), undefined)).body.toString(), script);
});
