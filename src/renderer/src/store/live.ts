// Hot data outside React state: the watched instrument's book and tape, candle listeners (every
// chart hears every stream's bars and keeps its own), and each instrument's quote for the
// watchlist's cells (written into the DOM by their rows). Canvas and chart code read these on
// requestAnimationFrame; React never re-renders for them.
import type { Bar, DepthUpdate, Quote, Trade } from '../../../shared/api';
import type { CandleInterval } from '../../../shared/model';

type Listener = () => void;

export const TAPE_SIZE = 200;

/** Bars of one instrument at one interval. */
export interface BarsEvent {
  instrumentId: number;
  interval: CandleInterval;
  bars: Bar[];
  /**
   * 'history': a stream's history as it starts (a chart already showing this stream keeps its view
   * and takes only what is newer); 'reload': history that changed (a backfill), drawn afresh;
   * 'update': live bars to apply in order.
   */
  kind: 'history' | 'reload' | 'update';
}

/** The watched book as a typed array (DepthBook layout), decoded once per update. */
export interface LiveBook {
  instrumentId: number;
  ts: number;
  levels: number;
  book: Float64Array;
}

class LiveData {
  depth: LiveBook | null = null;
  depthVersion = 0;
  tape: Trade[] = [];
  tapeVersion = 0;
  private readonly depthListeners = new Set<Listener>();
  private readonly tapeListeners = new Set<Listener>();
  private readonly barListeners = new Set<(e: BarsEvent) => void>();
  private readonly quoteListeners = new Map<number, Set<(q: Quote) => void>>();
  /** Each stream's bars as they stand (history, then live bars), for a chart that opens after its history came. */
  private readonly streams = new Map<string, Bar[]>();

  setDepth(d: DepthUpdate | LiveBook | null): void {
    this.depth = d && { instrumentId: d.instrumentId, ts: d.ts, levels: d.levels, book: d.book instanceof Float64Array ? d.book : Float64Array.from(d.book) };
    this.depthVersion++;
    for (const f of this.depthListeners) f();
  }

  resetTape(trades: Trade[]): void {
    this.tape = trades.slice(-TAPE_SIZE).reverse();
    this.tapeVersion++;
    for (const f of this.tapeListeners) f();
  }

  addTrades(trades: Trade[]): void {
    for (const t of trades) this.tape.unshift(t);
    if (this.tape.length > TAPE_SIZE) this.tape.length = TAPE_SIZE;
    this.tapeVersion++;
    for (const f of this.tapeListeners) f();
  }

  pushBars(e: BarsEvent): void {
    const key = `${e.instrumentId}/${e.interval}`;
    if (e.kind !== 'update') this.streams.set(key, e.bars.slice());
    else {
      const list = this.streams.get(key);
      if (list)
        for (const b of e.bars) {
          const last = list.at(-1);
          if (last?.t === b.t) list[list.length - 1] = b;
          else if (!last || b.t > last.t) list.push(b);
        }
    }
    for (const f of this.barListeners) f(e);
  }

  /** The bars of a stream as they stand now (undefined before its history came). */
  barsOf(instrumentId: number, interval: CandleInterval): readonly Bar[] | undefined {
    return this.streams.get(`${instrumentId}/${interval}`);
  }

  /** Forgets every stream but these ("id/interval"): they are no longer streamed. */
  keepStreams(keys: ReadonlySet<string>): void {
    for (const k of this.streams.keys()) if (!keys.has(k)) this.streams.delete(k);
  }

  /** New quotes: each goes to the listeners of its instrument. */
  pushQuotes(qs: readonly Quote[]): void {
    for (const q of qs) {
      const set = this.quoteListeners.get(q.instrumentId);
      if (set) for (const f of set) f(q);
    }
  }

  /** Hears the quotes of one instrument as they come. */
  onQuote(instrumentId: number, f: (q: Quote) => void): () => void {
    let set = this.quoteListeners.get(instrumentId);
    if (!set) this.quoteListeners.set(instrumentId, (set = new Set()));
    set.add(f);
    return () => {
      set.delete(f);
      if (!set.size && this.quoteListeners.get(instrumentId) === set) this.quoteListeners.delete(instrumentId);
    };
  }

  onDepth(f: Listener): () => void {
    this.depthListeners.add(f);
    return () => this.depthListeners.delete(f);
  }
  onTape(f: Listener): () => void {
    this.tapeListeners.add(f);
    return () => this.tapeListeners.delete(f);
  }
  onBars(f: (e: BarsEvent) => void): () => void {
    this.barListeners.add(f);
    return () => this.barListeners.delete(f);
  }
}

export const live = new LiveData();
