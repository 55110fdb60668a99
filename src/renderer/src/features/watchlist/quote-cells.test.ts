/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// A watchlist row's values written straight into its cells: the text and colour of each column,
// the LTP's data-ltp, each written only when it changes, and the flash restarted at most once a second.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Quote } from '../../../../shared/api';
import type { Instrument } from '../../../../shared/model';
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
  const writer = new RowWriter(ins, cells, ltp, flash, () => now);
  return { writer, ltp, ltpText, chg, chgText, vol, volText, flash, at: (ms: number) => (now = ms) };
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

test('the flash: the direction of the change, restarted at most once per FLASH_EVERY_MS, never on the first price', () => {
  const r = row();
  r.at(1000);
  r.writer.write(q(1820));
  assert.equal(r.flash.writes, 0, 'the first price does not flash');
  r.at(1100);
  r.writer.write(q(1821));
  assert.equal(r.flash.className, 'flash up a');
  r.at(1100 + FLASH_EVERY_MS - 1);
  r.writer.write(q(1819));
  assert.equal(r.flash.writes, 1, 'within the period: no new flash');
  r.at(1100 + FLASH_EVERY_MS);
  r.writer.write(q(1818));
  assert.equal(r.flash.className, 'flash down b', 'the other keyframes restart the animation');
  r.at(5000);
  r.writer.write(q(1818));
  assert.equal(r.flash.writes, 2, 'an unchanged price does not flash');
});
