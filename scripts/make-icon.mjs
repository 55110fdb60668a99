// Draws resources/icon.png (512×512): three candles on a dark tile. Run: node scripts/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const W = 512;
const px = Buffer.alloc(W * W * 4);
const set = (x, y, [r, g, b, a = 255]) => px.set([r, g, b, a], (y * W + x) * 4);
const rect = (x0, y0, x1, y1, c) => {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) set(x, y, c);
};
// Rounded dark tile.
for (let y = 0; y < W; y++)
  for (let x = 0; x < W; x++) {
    const dx = Math.max(0, Math.abs(x - 255.5) - 200);
    const dy = Math.max(0, Math.abs(y - 255.5) - 200);
    set(x, y, dx * dx + dy * dy <= 56 * 56 ? [16, 20, 27] : [0, 0, 0, 0]);
  }
const green = [38, 166, 154];
const red = [239, 83, 80];
const candle = (cx, wickTop, bodyTop, bodyBottom, wickBottom, c) => {
  rect(cx - 6, wickTop, cx + 6, wickBottom, c);
  rect(cx - 38, bodyTop, cx + 38, bodyBottom, c);
};
candle(146, 170, 230, 360, 400, green);
candle(256, 110, 150, 300, 330, red);
candle(366, 90, 120, 250, 300, green);

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(W, 0);
ihdr.writeUInt32BE(W, 4);
ihdr.set([8, 6, 0, 0, 0], 8);
const raw = Buffer.alloc((W * 4 + 1) * W);
for (let y = 0; y < W; y++) px.copy(raw, y * (W * 4 + 1) + 1, y * W * 4, (y + 1) * W * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../resources/icon.png', import.meta.url), png);
console.log(`resources/icon.png: ${png.length} bytes`);
