// A connected page as the Engine API sees it. Handlers record what the page asked for (quotes of
// some instruments, one watched instrument, the candles of its other charts); the engine tells
// every page what happens as it happens. What reaches the page, and when, is the bridge's business (bridge/page-coalescer.ts).
import type { Bar, DepthUpdate, Progress, Quote } from '../../shared/api';
import type { CandleInterval, Tick } from '../../shared/model';

/** The instrument a page focuses: live bars at `interval` continuing `lastBar`, its depth, its tape. */
export interface Watch {
  instrumentId: number;
  interval: CandleInterval;
  /** The newest bar the page was given (live bars continue it); null without history. */
  lastBar: Bar | null;
  /** Its depth comes from a full-depth feed (20/200 levels): the ticks' 5 levels are not sent. */
  fullDepth: boolean;
}

/** One of a page's other charts: live bars of an instrument at an interval, continuing `lastBar`. */
export interface ChartStream {
  instrumentId: number;
  interval: CandleInterval;
  lastBar: Bar | null;
}

/** What one page has asked for; the handlers of subscribe, unsubscribe, watch, unwatch and charts change it. */
export interface PageInterest {
  subscribe(instrumentIds: readonly number[]): void;
  unsubscribe(instrumentIds: readonly number[]): void;
  /** Focuses `w`; what was pending for the instrument watched before is dropped. */
  watch(w: Watch): void;
  unwatch(): void;
  /** Replaces the page's chart streams (candles only, beside the watch's); [] stops them. */
  charts(streams: readonly ChartStream[]): void;
}

/** What the engine tells every open page, on the engine's time (every tick, every book). */
export interface PageListener {
  onTick(tick: Tick, quote: Quote): void;
  /** A full-depth book changed; `book()` merges its latest sides (once, whichever page asks first). */
  onBook(instrumentId: number, book: () => DepthUpdate): void;
  /** An instrument's depth moved to a full-depth feed (`full`) or back to its ticks' own book. */
  onDepthSource?(instrumentId: number, full: boolean): void;
  /** A long task moved on (every page hears of every task). */
  onProgress(progress: Progress): void;
}

export type Page = PageInterest & PageListener;
