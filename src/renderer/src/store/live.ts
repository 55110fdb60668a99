// Hot data outside React state: the watched instrument's book and tape, and candle listeners.
// Canvas and chart code read these on requestAnimationFrame; React never re-renders for them.
import type { Bar, DepthUpdate, Trade } from '../../../shared/api';

type Listener = () => void;

export const TAPE_SIZE = 200;

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
  private readonly barListeners = new Set<(bars: Bar[], replace: boolean) => void>();

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

  /** `replace`: a full history (after a watch); otherwise updates to apply in order. */
  pushBars(bars: Bar[], replace: boolean): void {
    for (const f of this.barListeners) f(bars, replace);
  }

  onDepth(f: Listener): () => void {
    this.depthListeners.add(f);
    return () => this.depthListeners.delete(f);
  }
  onTape(f: Listener): () => void {
    this.tapeListeners.add(f);
    return () => this.tapeListeners.delete(f);
  }
  onBars(f: (bars: Bar[], replace: boolean) => void): () => void {
    this.barListeners.add(f);
    return () => this.barListeners.delete(f);
  }
}

export const live = new LiveData();
