// In-process publish/subscribe of ticks, routed per instrument (cheap: one Map lookup).
import type { Tick } from '../../shared/model';

export type TickListener = (tick: Tick) => void;

export class TickBus {
  private readonly perInstrument = new Map<number, Set<TickListener>>();
  private readonly all = new Set<TickListener>();

  /** Listens to one instrument's ticks; returns the unsubscribe function. */
  on(instrumentId: number, fn: TickListener): () => void {
    let set = this.perInstrument.get(instrumentId);
    if (!set) this.perInstrument.set(instrumentId, (set = new Set()));
    set.add(fn);
    return () => {
      set!.delete(fn);
      if (set!.size === 0) this.perInstrument.delete(instrumentId);
    };
  }

  /** Listens to every tick (the journal, the progress counter). */
  onAny(fn: TickListener): () => void {
    this.all.add(fn);
    return () => this.all.delete(fn);
  }

  publish(tick: Tick): void {
    for (const fn of this.all) fn(tick);
    const set = this.perInstrument.get(tick.instrumentId);
    if (set) for (const fn of set) fn(tick);
  }
}
