// Per-page coalescing: what one connected page asked for (api/page.ts), what the engine told it
// since the last frame, and the frame's events (ARCHITECTURE §5): the latest quote per subscribed
// instrument, the watched instrument's changed bars, its latest book and its trades, and the changed
// bars of each of the page's other charts.
import type { Bar, DepthUpdate, EngineEvent, Progress, Quote, Trade } from '../../shared/api';
import type { Tick } from '../../shared/model';
import { toDepth, toTrade } from '../api/convert';
import type { ChartStream, Page, Watch } from '../api/page';
import { CandleBuilder } from '../pipeline/candles';

/** The tape keeps this many trades of one frame (the newest). */
const TAPE_PER_FRAME = 200;
/** Quotes per `quotes` event: a frame of 3000 instruments stays well under the message size. */
const QUOTES_PER_EVENT = 250;

/** Live bars of one instrument at one interval, and those changed since the last frame (each once). */
class BarStream {
  readonly builder: CandleBuilder;
  pending: Bar[] = [];

  constructor(
    readonly instrumentId: number,
    readonly interval: Watch['interval'],
    lastBar: Bar | null,
  ) {
    this.builder = new CandleBuilder(interval);
    this.builder.seed(lastBar);
  }

  add(t: Tick): void {
    const closed = this.builder.add(t);
    // A bar already pending is replaced by its newer state (a closed one by its final state).
    if (closed) this.put({ ...closed });
    const open = this.builder.open;
    if (open) this.put({ ...open });
  }

  /** The `candles` event of this frame's changed bars, or null; empties them. */
  take(): EngineEvent<'candles'> | null {
    if (!this.pending.length) return null;
    const bars = this.pending;
    this.pending = [];
    return { event: 'candles', data: { instrumentId: this.instrumentId, interval: this.interval, bars } };
  }

  private put(bar: Bar): void {
    if (this.pending.at(-1)?.t === bar.t) this.pending.pop();
    this.pending.push(bar);
  }
}

export class PageCoalescer implements Page {
  private readonly quoteIds = new Set<number>();
  private watched: BarStream | null = null;
  /** The page's other charts (at most a few): candles only. */
  private chartStreams: BarStream[] = [];
  private pendingQuotes = new Map<number, Quote>();
  /** The latest tick with a 5-level book, for a watched instrument without a full-depth feed. */
  private pendingDepth: Tick | null = null;
  /** A full-depth book (20/200 levels) waiting to be sent; it takes precedence over tick depth. */
  private pendingBook: DepthUpdate | null = null;
  /** Progress of long tasks since the last frame. */
  private pendingProgress: Progress[] = [];
  /** Instruments whose depth comes from a full-depth feed: their ticks' 5 levels are not sent. */
  private readonly fullDepth = new Set<number>();
  private pendingTape: Trade[] = [];

  subscribe(instrumentIds: readonly number[]): void {
    for (const id of instrumentIds) this.quoteIds.add(id);
  }

  unsubscribe(instrumentIds: readonly number[]): void {
    for (const id of instrumentIds) {
      this.quoteIds.delete(id);
      this.pendingQuotes.delete(id);
    }
  }

  watch(w: Watch): void {
    this.watched = new BarStream(w.instrumentId, w.interval, w.lastBar);
    if (w.fullDepth) this.fullDepth.add(w.instrumentId);
    this.pendingDepth = null;
    this.pendingBook = null;
    this.pendingTape = [];
  }

  unwatch(): void {
    this.watched = null;
  }

  charts(streams: readonly ChartStream[]): void {
    this.chartStreams = streams.map((s) => new BarStream(s.instrumentId, s.interval, s.lastBar));
  }

  onTick(t: Tick, quote: Quote): void {
    if (this.quoteIds.has(t.instrumentId)) this.pendingQuotes.set(t.instrumentId, quote);
    for (const c of this.chartStreams) if (c.instrumentId === t.instrumentId) c.add(t);
    const w = this.watched;
    if (!w || w.instrumentId !== t.instrumentId) return;
    w.add(t);
    if (t.depth5 && !this.fullDepth.has(t.instrumentId)) this.pendingDepth = t;
    // Time and sales lists trades; a tick that only moved the book (no new volume) is not one.
    if (t.volDelta !== 0) {
      this.pendingTape.push(toTrade(t));
      if (this.pendingTape.length > TAPE_PER_FRAME) this.pendingTape.shift();
    }
  }

  onBook(instrumentId: number, book: () => DepthUpdate): void {
    if (this.watched?.instrumentId !== instrumentId) return;
    this.fullDepth.add(instrumentId);
    this.pendingBook = book();
  }

  onDepthSource(instrumentId: number, full: boolean): void {
    if (full) return; // its books say so as they come (onBook)
    this.fullDepth.delete(instrumentId);
    if (this.pendingBook?.instrumentId === instrumentId) this.pendingBook = null;
  }

  onProgress(progress: Progress): void {
    this.pendingProgress.push(progress);
  }

  /** Everything changed since the last call, as events in sending order; empties the pending state. */
  drain(): EngineEvent[] {
    const out: EngineEvent[] = [];
    if (this.pendingQuotes.size > 0) {
      const quotes = [...this.pendingQuotes.values()];
      this.pendingQuotes.clear();
      for (let i = 0; i < quotes.length; i += QUOTES_PER_EVENT) out.push({ event: 'quotes', data: quotes.slice(i, i + QUOTES_PER_EVENT) });
    }
    const w = this.watched;
    const bars = w?.take();
    if (bars) out.push(bars);
    for (const c of this.chartStreams) {
      const more = c.take();
      if (more) out.push(more);
    }
    if (w && this.pendingBook) {
      out.push({ event: 'depth', data: this.pendingBook });
      this.pendingBook = null;
    } else if (w && this.pendingDepth) {
      const depth = toDepth(this.pendingDepth); // never null: only ticks with a book wait here
      if (depth) out.push({ event: 'depth', data: depth });
    }
    this.pendingDepth = null;
    for (const p of this.pendingProgress.splice(0)) out.push({ event: 'progress', data: p });
    if (w && this.pendingTape.length > 0) {
      out.push({ event: 'tape', data: { instrumentId: w.instrumentId, trades: this.pendingTape } });
      this.pendingTape = [];
    }
    return out;
  }
}
