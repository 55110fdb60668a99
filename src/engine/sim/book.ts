// A full order book per instrument (up to 200 levels a side) that evolves like a real one:
// orders are added and cancelled across the book, and market orders trade at the touch,
// consuming levels and moving the price. The Dhan depth simulators publish it.
import { mulberry32 } from './random';

export interface BookLevel {
  price: number;
  qty: number;
  orders: number;
}

export interface BookSide {
  /** Best first: bids descending, asks ascending. */
  levels: BookLevel[];
}

function roundTick(p: number, tick: number): number {
  const decimals = Math.min(8, Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9) + 1));
  return Number((Math.round(p / tick) * tick).toFixed(decimals));
}

export class OrderBook {
  readonly bids: BookSide = { levels: [] };
  readonly asks: BookSide = { levels: [] };
  ltp: number;
  /** Bumped on every change. */
  version = 0;

  constructor(
    readonly securityId: number,
    mid: number,
    readonly tick: number,
    readonly lot: number,
    private readonly maxLevels = 200,
    private readonly rnd: () => number = mulberry32(securityId),
  ) {
    this.ltp = roundTick(mid, tick);
    for (let i = 0; i < maxLevels; i++) {
      this.bids.levels.push(this.newLevel(roundTick(this.ltp - tick * (i + 1), tick), i));
      this.asks.levels.push(this.newLevel(roundTick(this.ltp + tick * (i + 1), tick), i));
    }
  }

  private newLevel(price: number, depthIndex: number): BookLevel {
    const orders = 1 + Math.floor(this.rnd() * (3 + depthIndex / 20));
    return { price, qty: orders * this.lot * (1 + Math.floor(this.rnd() * 5)), orders };
  }

  /** One market event: a limit order added, one cancelled, or a market order traded at the touch. */
  step(): void {
    const r = this.rnd();
    const side = this.rnd() < 0.5 ? this.bids : this.asks;
    const isBid = side === this.bids;
    if (r < 0.45) {
      // Add: near the touch most of the time; sometimes improve the touch inside the spread.
      const spreadTicks = Math.round((this.asks.levels[0].price - this.bids.levels[0].price) / this.tick);
      if (spreadTicks > 1 && this.rnd() < 0.2) {
        const price = roundTick(isBid ? this.bids.levels[0].price + this.tick : this.asks.levels[0].price - this.tick, this.tick);
        side.levels.unshift(this.newLevel(price, 0));
        if (side.levels.length > this.maxLevels) side.levels.pop();
      } else {
        const i = Math.min(side.levels.length - 1, Math.floor(Math.abs(this.rnd() - this.rnd()) * side.levels.length));
        side.levels[i].qty += this.lot * (1 + Math.floor(this.rnd() * 4));
        side.levels[i].orders += 1;
      }
    } else if (r < 0.8) {
      // Cancel: part of a level; an emptied level leaves the book.
      const i = Math.floor(this.rnd() * side.levels.length);
      const l = side.levels[i];
      const cut = Math.min(l.qty, this.lot * (1 + Math.floor(this.rnd() * 3)));
      l.qty -= cut;
      l.orders = Math.max(0, l.orders - 1);
      if (l.qty <= 0 || l.orders === 0) side.levels.splice(i, 1);
    } else {
      // Trade: a market order of the other side consumes this side from the touch.
      let want = this.lot * (1 + Math.floor(this.rnd() * 8));
      while (want > 0 && side.levels.length > 0) {
        const best = side.levels[0];
        const take = Math.min(want, best.qty);
        best.qty -= take;
        want -= take;
        this.ltp = best.price;
        if (best.qty <= 0) side.levels.shift();
      }
    }
    this.refill(this.bids, true);
    this.refill(this.asks, false);
    this.version++;
  }

  /** Keeps both sides non-empty and at full depth by adding levels at the far end. */
  private refill(side: BookSide, isBid: boolean): void {
    if (side.levels.length === 0) side.levels.push(this.newLevel(roundTick(isBid ? this.ltp - this.tick : this.ltp + this.tick, this.tick), 0));
    while (side.levels.length < this.maxLevels) {
      const last = side.levels[side.levels.length - 1].price;
      side.levels.push(this.newLevel(roundTick(isBid ? last - this.tick : last + this.tick, this.tick), side.levels.length));
    }
  }

  /** A deep copy (what a recorder should have seen at this moment). */
  snapshot(): { bids: BookLevel[]; asks: BookLevel[] } {
    return { bids: this.bids.levels.map((l) => ({ ...l })), asks: this.asks.levels.map((l) => ({ ...l })) };
  }
}
