// The lifecycle every simulated server shares (sim/server.ts): listening, WebSocket upgrades
// accepted or refused, and a stop() that ends every open socket and timer at once.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { cleanupAfterEach } from '../testing';
import { DhanRestSimulator } from './dhan/rest-server';
import { SimServer } from './server';

const cleanups = cleanupAfterEach();

/** A server that accepts upgrades to /ok, refuses the rest with 403, and counts timer ticks. */
class Probe extends SimServer {
  ticks = 0;
  protected override started(): void {
    this.whileUp(setInterval(() => this.ticks++, 10));
  }
  protected override upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (req.url !== '/ok') return this.refuse(socket, 403, 'Forbidden');
    this.accept(req, socket, head, (ws) => ws.send('hello'));
  }
}

/** What the server answers to a raw HTTP request, read until it closes or goes quiet. */
function rawHttp(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const c = connect(port, '127.0.0.1', () => c.write(request));
    const quiet = setTimeout(() => c.destroy(), 500);
    c.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('close', () => {
      clearTimeout(quiet);
      resolve(out);
    });
  });
}

test('start resolves to the port; an upgrade is accepted or refused with a bare HTTP status', async () => {
  const probe = new Probe();
  const port = await probe.start();
  cleanups.push(() => probe.stop());
  assert.equal(port, probe.port);
  assert.ok(port > 0);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ok`);
  assert.equal(await new Promise((r) => ws.once('message', (d) => r(String(d)))), 'hello');
  ws.terminate();
  const refused = await rawHttp(port, 'GET /no HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
  assert.equal(refused, 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  // No REST here: a plain request gets 404.
  assert.equal((await fetch(`http://127.0.0.1:${port}/anything`)).status, 404);
});

test('stop ends open WebSockets and keep-alive connections at once and clears the timers', async () => {
  const probe = new Probe();
  const port = await probe.start();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ok`);
  await new Promise((r) => ws.once('message', r));
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  // A keep-alive connection with a request in flight that the server never finishes answering.
  const idle = connect(port, '127.0.0.1');
  await new Promise((r) => idle.once('connect', r));
  const idleClosed = new Promise((r) => idle.once('close', r));
  idle.write('GET / HTTP/1.1\r\nHost: x\r\n'); // headers not finished: the server waits for more
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(probe.ticks > 0, 'the timer runs while the server is up');
  const t0 = Date.now();
  await probe.stop();
  assert.ok(Date.now() - t0 < 1000, `stop took ${Date.now() - t0} ms`);
  assert.equal(await closed, 1006, 'the WebSocket is dropped, no close handshake awaited');
  await idleClosed;
  const ticks = probe.ticks;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(probe.ticks, ticks, 'no timer runs after stop');
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'nothing listens any more');
});

test('a taken port fails start with EADDRINUSE instead of an uncaught error', async () => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise((r) => holder.close(r)));
  const port = (holder.address() as { port: number }).port;
  const probe = new Probe({ port });
  await assert.rejects(probe.start(), (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE');
});

test('a REST-only simulator answers an upgrade request as a plain request', async () => {
  const rest = new DhanRestSimulator();
  const port = await rest.start();
  cleanups.push(() => rest.stop());
  const answer = await rawHttp(port, 'GET /v2/profile HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 401 Unauthorized\r\n/);
  assert.match(answer, /"errorCode":"DH-901"/);
});
