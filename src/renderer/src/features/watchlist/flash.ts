// The LTP flash: the cell's colour at full strength, fading to clear in FLASH_STEPS steps over
// FLASH_MS, stepped by one animation-frame task for every flashing cell of the page (a class write
// per step: a style and a paint of that cell).
//  It was a CSS opacity animation per cell: each flashing cell became a composited layer and each
// flash restarted an animation, and with 200 rows at 10,000 ticks/s the page spent so much on
// layers and their commits that tick-to-screen p99 measured 140–218 ms against 69–84 ms with no
// flash at all (bench/ui.ts part B, three alternating runs each).
import { onNextFrame } from '../../frame';
import type { CellNode } from './quote-cells';

/** How long a flash takes to fade out. */
export const FLASH_MS = 700;
/** The strengths it passes through (styles.css: `.flash.l6` strongest … `.flash.l1`, then clear). */
export const FLASH_STEPS = 6;

interface Flashing {
  up: boolean;
  at: number;
  level: number;
}

const classOf = (up: boolean, level: number) => (level > 0 ? `flash ${up ? 'up' : 'down'} l${level}` : 'flash');

export class Flasher {
  private readonly active = new Map<CellNode, Flashing>();

  /**
   * @param now the clock (ms)
   * @param schedule runs `step` once, soon (the page: the next animation frame)
   */
  constructor(
    private readonly now: () => number,
    private readonly schedule: (step: () => void) => void,
  ) {}

  /** Flashes `el` in the direction of the change, from full strength (again, if it was fading). */
  start(el: CellNode, up: boolean): void {
    const level = FLASH_STEPS;
    this.active.set(el, { up, at: this.now(), level });
    el.className = classOf(up, level);
    this.schedule(this.step);
  }

  /** Cells still fading. */
  get size(): number {
    return this.active.size;
  }

  /** Moves every flashing cell to the strength its age calls for; clear ones are let go. */
  readonly step = (): void => {
    const now = this.now();
    const per = FLASH_MS / FLASH_STEPS;
    for (const [el, f] of this.active) {
      const level = Math.max(0, FLASH_STEPS - Math.floor((now - f.at) / per));
      if (level === f.level) continue;
      f.level = level;
      el.className = classOf(f.up, level);
      if (level === 0) this.active.delete(el);
    }
    if (this.active.size > 0) this.schedule(this.step);
  };
}

/** The page's flasher: every watchlist row's LTP cell, stepped in one frame task. */
export const pageFlasher = new Flasher(
  () => performance.now(),
  (step) => onNextFrame('watch-flash', step),
);
