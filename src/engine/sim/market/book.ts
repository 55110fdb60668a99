// A full order book per instrument (up to 200 levels a side) that evolves like a real one:
// orders are added and cancelled across the book, and market orders trade at the touch,
// consuming levels and moving the price. The market model owns one per instrument that has deep
// depth and steers it towards its fair price (so the live feed and the depth feeds agree); the
// Dhan depth simulator publishes it.
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

  /** Quantity traded by the last step() (0 when it was an add or a cancel). */
  lastTradedQty = 0;

  /**
   * One market event: a limit order added, one cancelled, or a market order traded at the touch.
   * With a fair price outside the touch, the event is a sweep towards it (the other side then
   * re-quotes one tick behind), which is how the book follows the market model.
   */
  step(fair?: number): void {
    this.lastTradedQty = 0;
    if (fair !== undefined && (fair >= this.asks.levels[0].price || fair <= this.bids.levels[0].price)) {
      this.sweepTo(fair);
      this.refill(this.bids, true);
      this.refill(this.asks, false);
      this.version++;
      return;
    }
    const r = this.rnd();
    const side = this.rnd() < 0.5 ? this.bids : this.asks;
    const isBid = side === this.bids;
    if (r < 0.45) {
      // Add: near the touch most of the time; sometimes improve the touch inside the spread.
      const spreadTicks = Math.round((this.asks.levels[0].price - this.bids.levels[0].price) / this.tick);
      // Liquidity providers close a wide spread quickly.
      if (spreadTicks > 1 && this.rnd() < (spreadTicks > 2 ? 0.9 : 0.3)) {
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
        this.lastTradedQty += take;
        this.ltp = best.price;
        if (best.qty <= 0) side.levels.shift();
      }
    }
    this.refill(this.bids, true);
    this.refill(this.asks, false);
    this.version++;
  }

  /** A marketable order that trades through the side facing `fair` up to it (a sweep). */
  private sweepTo(fair: number): void {
    const buying = fair >= this.asks.levels[0].price;
    const side = buying ? this.asks : this.bids;
    const reached = (p: number) => (buying ? p > fair : p < fair);
    while (side.levels.length > 0 && !reached(side.levels[0].price)) {
      const best = side.levels[0];
      this.lastTradedQty += best.qty;
      this.ltp = best.price;
      side.levels.shift();
    }
    // Liquidity providers re-quote behind the sweep: the other side's touch moves up to one tick
    // from the new price, carrying the levels it skipped as new orders.
    const other = buying ? this.bids : this.asks;
    const touch = roundTick(buying ? this.ltp - this.tick : this.ltp + this.tick, this.tick);
    let p = other.levels[0].price;
    const fresh: BookLevel[] = [];
    while (buying ? p < touch - this.tick / 2 : p > touch + this.tick / 2) {
      p = roundTick(buying ? p + this.tick : p - this.tick, this.tick);
      fresh.unshift(this.newLevel(p, 0));
    }
    other.levels.unshift(...fresh);
    if (other.levels.length > this.maxLevels) other.levels.length = this.maxLevels;
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
