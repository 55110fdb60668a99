// Shared by the browser e2e tests: start `tickdesk serve`, launch Debian's Chromium.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;

/** Starts `tickdesk serve` and resolves with the URL it prints. */
export function startServe(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL:\n${out}\n${err}`)), 60_000);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Tickdesk UI: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${err}`)));
  });
}

export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * `serve --demo` (rate 600, seed 13) and a Chromium page on it at 1600×900 with the default
 * watchlist shown: what the workstation's tests start from. Page errors are collected in `errors`.
 */
export async function openDemo(): Promise<{ serve: ChildProcess; url: string; browser: Browser; page: Page; errors: string[] }> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const { child: serve, url } = await startServe(['--demo', '--rate', '600', '--seed', '13']);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await untilAsync(async () => (await page.locator('[data-testid=watch-row]').count()) >= 5, 'the default watchlist');
  return { serve, url, browser, page, errors };
}

/** A port free on 127.0.0.1 right now (for a redirect URL that must be known in advance). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Polls an async condition every 100 ms. */
export async function untilAsync(cond: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs `tickdesk ARGS` (a recorder with --sink) until its progress line says `rows` were replicated,
 * then kills it with SIGKILL: a crash in the middle of recording and replicating.
 */
export async function recordThenKill(args: string[], rows: number): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  let replicated = 0;
  child.stderr!.on('data', (d: Buffer) => {
    err += d;
    for (const m of d.toString().matchAll(/replicated (\d+)/g)) replicated = Number(m[1]);
  });
  const exited = new Promise((r) => child.on('exit', r));
  const end = Date.now() + 30_000;
  while (replicated < rows) {
    if (Date.now() > end) throw new Error(`no replication progress:\n${err.slice(-800)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  await exited;
}
