// Dhan 200-level depth decode rate: sides (snapshots) per second and levels per second.
import { decodeDepthFrame, encodeDepthSide, newDhanStats } from '../src/engine/brokers/dhan/codec';

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
