/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// A watchlist row's values written straight into its cells: the text and colour of each column,
// the LTP's data-ltp, each written only when it changes, and the flash restarted at most once a second.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Quote } from '../../../../shared/api';
import type { Instrument } from '../../../../shared/model';
import { FLASH_MS } from './flash';
import { FLASH_EVERY_MS, RowWriter, type CellNode, type QuoteCell, type TextNode } from './quote-cells';

/** A DOM node double that counts the writes it gets. */
class Node implements CellNode, TextNode {
  writes = 0;
  private cls = '';
  private text = '';
  attrs: Record<string, string> = {};
  get className(): string {
    return this.cls;
  }
  set className(v: string) {
    this.writes++;
    this.cls = v;
  }
  get data(): string {
    return this.text;
  }
  set data(v: string) {
    this.writes++;
    this.text = v;
  }
  setAttribute(name: string, value: string): void {
    this.writes++;
    this.attrs[name] = value;
  }
}

const ins = { id: 7, exchange: 'NSE', symbol: 'INFY', tickSize: 0.05 } as Instrument;

function row() {
  const ltp = new Node();
  const ltpText = new Node();
  const chg = new Node();
  const chgText = new Node();
  const vol = new Node();
  const volText = new Node();
  const flash = new Node();
  const cells: QuoteCell[] = [
    { column: 'ltp', toned: ltp, base: '', text: ltpText },
    { column: 'changePct', toned: chg, base: 'num', text: chgText },
    { column: 'volume', toned: vol, base: 'num last', text: volText },
  ];
  let now = 0;
  /** The flashes started: 'up' or 'down', on the row's flash element. */
  const flashes: string[] = [];
  const flasher = { start: (el: CellNode, up: boolean) => (assert.equal(el, flash), flashes.push(up ? 'up' : 'down')) };
  const writer = new RowWriter(ins, cells, ltp, flash, () => now, flasher);
  return { writer, ltp, ltpText, chg, chgText, vol, volText, flash, flashes, at: (ms: number) => (now = ms) };
}

const q = (ltp: number, extra: Partial<Quote> = {}): Quote => ({ instrumentId: 7, ts: 0, ltp, close: 1800, changePct: ((ltp - 1800) * 100) / 1800, volume: 2_50_000, ...extra });

test('values with Indian grouping, the tone on the cell, data-ltp on the LTP', () => {
  const r = row();
  r.writer.write(q(1820.2));
  assert.equal(r.ltpText.data, '1,820.20');
  assert.equal(r.ltp.attrs['data-ltp'], '1820.2');
  assert.equal(r.ltp.className, 'up');
  assert.equal(r.chgText.data, '+1.12%');
  assert.equal(r.chg.className, 'num up');
  assert.equal(r.volText.data, '2.50L');
  assert.equal(r.vol.className, 'num last', 'a column without a tone keeps its own classes');
  r.writer.write(q(1790));
  assert.equal(r.chg.className, 'num down');
  assert.equal(r.ltpText.data, '1,790.00');
});

test('before any quote: a dash for the price, nothing else', () => {
  const r = row();
  r.writer.write(undefined);
  assert.equal(r.ltpText.data, '—');
  assert.equal(r.ltp.attrs['data-ltp'], '');
  assert.equal(r.volText.data, '');
});

test('only what changed is written', () => {
  const r = row();
  r.writer.write(q(1820.2));
  const before = [r.ltpText, r.chgText, r.vol, r.volText, r.ltp].map((n) => n.writes);
  // Same price and volume: nothing is touched.
  r.writer.write(q(1820.2));
  assert.deepEqual([r.ltpText, r.chgText, r.vol, r.volText, r.ltp].map((n) => n.writes), before);
  // The volume alone moves: only its text.
  r.writer.write(q(1820.2, { volume: 3_00_000 }));
  assert.equal(r.volText.writes, before[3] + 1);
  assert.equal(r.ltpText.writes, before[0]);
  assert.equal(r.ltp.writes, before[4], 'no class or attribute write on the LTP');
});

test('the flash: the direction of the change, started at most once per FLASH_EVERY_MS, never on the first price', () => {
  assert.ok(FLASH_EVERY_MS > FLASH_MS, 'a flash ends before the next may start');
  const r = row();
  r.at(1000);
  r.writer.write(q(1820));
  assert.deepEqual(r.flashes, [], 'the first price does not flash');
  r.at(1100);
  r.writer.write(q(1821));
  assert.deepEqual(r.flashes, ['up']);
  r.at(1100 + FLASH_EVERY_MS - 1);
  r.writer.write(q(1819));
  assert.deepEqual(r.flashes, ['up'], 'within the period: no new flash');
  r.at(1100 + FLASH_EVERY_MS);
  r.writer.write(q(1818));
  assert.deepEqual(r.flashes, ['up', 'down']);
  r.at(5000);
  r.writer.write(q(1818));
  assert.deepEqual(r.flashes, ['up', 'down'], 'an unchanged price does not flash');
  assert.equal(r.flash.writes, 0, 'the writer leaves the flash element to the flasher');
});

test('off screen: quotes kept, nothing written; back on screen: the newest shown at once, without a flash', () => {
  const r = row();
  r.at(1000);
  r.writer.write(q(1820));
  r.writer.setOnScreen(false);
  const before = [r.ltpText.writes, r.chgText.writes, r.volText.writes, r.ltp.writes];
  r.at(3000);
  r.writer.write(q(1825, { volume: 3_00_000 }));
  r.writer.write(q(1830, { volume: 3_10_000 }));
  assert.deepEqual([r.ltpText.writes, r.chgText.writes, r.volText.writes, r.ltp.writes], before, 'off screen: no write at all');
  assert.equal(r.ltpText.data, '1,820.00');
  r.writer.setOnScreen(true);
  assert.equal(r.ltpText.data, '1,830.00');
  assert.equal(r.ltp.attrs['data-ltp'], '1830');
  assert.equal(r.volText.data, '3.10L');
  assert.deepEqual(r.flashes, [], 'a change not seen happen does not flash');
  r.at(5000);
  r.writer.write(q(1831));
  assert.deepEqual(r.flashes, ['up'], 'the next change on screen does');
});
