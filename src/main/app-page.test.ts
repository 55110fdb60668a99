// The app's page under Node: where the main window loads the renderer from (the dev server only in
// an unpacked development build), which frames may talk to main, and the bundle served on the
// app's scheme (its files only, with the CSP).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { APP_PAGE_URL, bundleFile, bundleResponse, CONTENT_SECURITY_POLICY, isAppPageUrl, rendererSource } from './app-page';

const DEV = 'http://localhost:5173';

test('ELECTRON_RENDERER_URL is honoured only by an unpacked development build, and only on loopback http(s)', () => {
  const bundle = { kind: 'bundle', url: 'tickdesk://app/index.html' };
  assert.deepEqual(rendererSource({ packaged: false, devBuild: true, devServerUrl: DEV }), { kind: 'dev-server', url: 'http://localhost:5173/', origin: DEV });
  assert.deepEqual(rendererSource({ packaged: false, devBuild: true, devServerUrl: 'http://127.0.0.1:5173/x' }), { kind: 'dev-server', url: 'http://127.0.0.1:5173/x', origin: 'http://127.0.0.1:5173' });
  // A packaged app, or a production build run unpacked (`electron-vite preview`), loads its bundle whatever the variable says.
  assert.deepEqual(rendererSource({ packaged: true, devBuild: true, devServerUrl: DEV }), bundle);
  assert.deepEqual(rendererSource({ packaged: false, devBuild: false, devServerUrl: DEV }), bundle);
  assert.deepEqual(rendererSource({ packaged: false, devBuild: true }), bundle);
  for (const url of ['https://evil.example/', 'file:///tmp/page.html', 'http://localhost.evil.example:5173/', 'http://user:pw@localhost:5173/', 'not a url'])
    assert.deepEqual(rendererSource({ packaged: false, devBuild: true, devServerUrl: url }), bundle, url);
});

test("IPC is answered only for the app's exact page: the bundle's index.html, or the dev server's exact origin", () => {
  const bundle = rendererSource({ packaged: true, devBuild: false });
  assert.equal(bundle.url, APP_PAGE_URL);
  assert.ok(isAppPageUrl('tickdesk://app/index.html', bundle));
  assert.ok(isAppPageUrl('tickdesk://app/index.html#/chart', bundle));
  for (const url of ['file:///tmp/evil.html', 'file:///opt/Tickdesk/resources/app.asar/out/renderer/index.html', 'tickdesk://app/other.html', 'tickdesk://evil/index.html', 'http://localhost:5173/', 'tickdesk://app/index.html.evil', ''])
    assert.ok(!isAppPageUrl(url, bundle), url);

  const dev = rendererSource({ packaged: false, devBuild: true, devServerUrl: DEV });
  assert.ok(isAppPageUrl('http://localhost:5173/', dev));
  assert.ok(isAppPageUrl('http://localhost:5173/index.html?x=1', dev));
  for (const url of ['http://localhost:5174/', 'https://localhost:5173/', 'http://localhost:5173.evil.example/', 'file:///tmp/evil.html', 'tickdesk://app/index.html', 'garbage'])
    assert.ok(!isAppPageUrl(url, dev), url);
});

test("the app's scheme serves the bundle's files with the CSP; other hosts and paths out of the bundle are not found", async () => {
  const root = join(mkdtempSync(join(tmpdir(), 'tickdesk-bundle-')), 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Tickdesk</title>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, '..', 'secret.json'), '{"apiSecret":"s"}');

  const page = await bundleResponse('tickdesk://app/index.html', root);
  assert.equal(page.status, 200);
  assert.equal(await page.text(), '<!doctype html><title>Tickdesk</title>');
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  const script = await bundleResponse('tickdesk://app/assets/index-abc.js?v=1', root);
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8', 'module scripts need a JavaScript type');
  assert.equal(await script.text(), 'console.log(1)');
  assert.equal(await (await bundleResponse('tickdesk://app/', root)).text(), '<!doctype html><title>Tickdesk</title>');

  assert.equal(bundleFile('tickdesk://app/assets/index-abc.js', root), join(root, 'assets', 'index-abc.js'));
  // Dot segments are resolved in the URL, as a browser does: they stay inside the bundle.
  assert.equal(bundleFile('tickdesk://app/../secret.json', root), join(root, 'secret.json'));
  assert.equal(bundleFile('tickdesk://app/%2e%2e/secret.json', root), join(root, 'secret.json'));
  // Encoded slashes would climb out once decoded: refused.
  for (const url of ['tickdesk://app/..%2fsecret.json', 'tickdesk://app/assets/..%2f..%2fsecret.json', 'tickdesk://app/..%5csecret.json', 'tickdesk://other/index.html', 'tickdesk://app/%00', 'tickdesk://app/%E0%A4%A'])
    assert.equal(bundleFile(url, root), null, url);
  for (const url of ['tickdesk://app/../secret.json', 'tickdesk://app/..%2fsecret.json', 'tickdesk://app/missing.js', 'tickdesk://app/assets', 'tickdesk://other/index.html']) {
    const res = await bundleResponse(url, root);
    assert.equal(res.status, 404, url);
    assert.equal(await res.text(), 'not found');
  }
});
