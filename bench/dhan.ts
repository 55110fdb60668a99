// Dhan 200-level depth decode rate: sides (snapshots) per second and levels per second.
import { newDhanStats } from '../src/engine/brokers/dhan/codec';
import { decodeDepthFrame, encodeDepthSide } from '../src/engine/brokers/dhan/depth-codec';

export function benchDhanDepth(): void {
  const frames: Buffer[] = [];
  for (let k = 0; k < 100; k++) {
    const lv = (side: number) =>
      Array.from({ length: 200 }, (_, i) => ({ price: Math.round((2450 + side * (0.05 + i * 0.05) + (k % 7) * 0.05) * 100) / 100, qty: 10 + ((i * 7 + k) % 90), orders: 1 + (i % 9) }));
    frames.push(Buffer.concat([encodeDepthSide(200, 'bid', 2, 55796 + k, lv(-1)), encodeDepthSide(200, 'ask', 2, 55796 + k, lv(1))]));
  }
  const stats = newDhanStats();
  let levels = 0;
  const run = () => {
    for (const f of frames) decodeDepthFrame(f, 200, (p) => (levels += p.kind === 'depth' ? p.levels : 0), stats);
  };
  run();
  levels = 0;
  const before = stats.packets;
  const start = performance.now();
  let now = start;
  while (now - start < 1500) {
    run();
    now = performance.now();
  }
  const sides = stats.packets - before;
  const secs = (now - start) / 1000;
  console.log('\nDhan 200-level depth decode (one side = one snapshot of 200 levels)');
  console.log(`  ${Math.round(sides / secs).toLocaleString('en-US').padStart(12)} snapshots/s, ${Math.round(levels / secs).toLocaleString('en-US')} levels/s`);
}

/** Journal write of 200-level books at 20 updates/s per side for 5 instruments, end to end. */
export async function benchDhanRecording(): Promise<void> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { Recorder } = await import('../src/engine/recorder');
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-dhanbench-'));
  const rec = new Recorder({ broker: 'sim-dhan', depth: 200, journalPath: join(dir, 'j.sqlite'), instruments: 'all', mode: 'full', sim: { ticksPerSecond: 500, seed: 3 } });
  await rec.start();
  await new Promise((r) => setTimeout(r, 1000));
  const d0 = rec.journal.depthCommitted;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 8000));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sides = rec.journal.depthCommitted - d0;
  await rec.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log('\nDhan 200-level recording: 5 instruments × 2 sides × 20 updates/s, plus 500 ticks/s, simulators in-process');
  console.log(`  ${Math.round(sides / secs).toLocaleString('en-US').padStart(12)} snapshots/s journaled (${Math.round((sides * 200) / secs).toLocaleString('en-US')} levels/s)`);
  console.log(`  CPU (simulators + recorder) ${(((cpu.user + cpu.system) / 1000 / (secs * 1000)) * 100).toFixed(0)} % of one core`);
}
