// A watchlist row's values written straight into its cells: React renders the rows (which
// instruments, which columns, the selection) and never re-renders for a price. At 10,000 ticks a
// second every row changes every frame; a React render of 200 rows per frame costs the page more
// than the whole frame has, a text write per changed cell does not. Each cell is written only when
// its text or colour changes, and the LTP flash is started here (once per FLASH_EVERY_MS at most).
import type { Quote } from '../../../../shared/api';
import type { Instrument } from '../../../../shared/model';
import { COLUMNS, type WatchColumn } from './columns';
import { pageFlasher } from './flash';

/** A row flashes at most once per this period (longer than a flash, FLASH_MS), so it always fades out. */
export const FLASH_EVERY_MS = 1000;

/** What starts a flash on a cell (flash.ts Flasher). */
export interface FlashStarter {
  start(el: CellNode, up: boolean): void;
}

/** What a writer touches of a cell: the DOM's Element and Text satisfy these. */
export interface CellNode {
  className: string;
  setAttribute(name: string, value: string): void;
}
export interface TextNode {
  data: string;
}

/** One column's cell: the element coloured by its tone, and the text node holding its value. */
export interface QuoteCell {
  column: WatchColumn;
  /** The element whose class carries the tone (the LTP's value span, or the cell itself). */
  toned: CellNode;
  /** Its classes other than the tone ("num oi last"). */
  base: string;
  text: TextNode;
}

export class RowWriter {
  private readonly shown: Array<{ text: string; tone: string }>;
  private prevLtp: number | undefined = undefined;
  private flashedAt = -Infinity;
  private ltpAttr: string | null = null;
  /** The quote shown last (undefined before the first write). */
  private shownQuote: Quote | undefined | null = null;
  /** The newest quote, shown or not. */
  private latest: Quote | undefined = undefined;
  private onScreen = true;

  /**
   * @param ltp the LTP's value element (data-ltp is written on it), when the LTP column is shown
   * @param flash the LTP cell's flash element
   */
  constructor(
    private readonly ins: Instrument,
    private readonly cells: readonly QuoteCell[],
    private readonly ltp: CellNode | null,
    private readonly flash: CellNode | null,
    private readonly now: () => number = () => performance.now(),
    private readonly flasher: FlashStarter = pageFlasher,
  ) {
    this.shown = cells.map(() => ({ text: '\0', tone: '\0' }));
  }

  /**
   * Off screen (scrolled away), quotes are kept, not written: at 10,000 ticks a second over 200 rows
   * most of the writes were to rows nobody sees. Back on screen, the newest is shown (no flash: the
   * change was not seen happen).
   */
  setOnScreen(on: boolean): void {
    if (on === this.onScreen) return;
    this.onScreen = on;
    if (!on) return;
    this.prevLtp = this.latest?.ltp;
    this.write(this.latest);
  }

  /** Shows `q` (undefined: no quote yet); touches only what differs from what is shown. */
  write(q: Quote | undefined): void {
    this.latest = q;
    if (!this.onScreen) return;
    const was = this.shownQuote;
    this.shownQuote = q;
    for (let i = 0; i < this.cells.length; i++) {
      const c = this.cells[i];
      const def = COLUMNS[c.column];
      // The fields this column reads did not move: neither did its text (no formatting at all).
      if (was && q && def.reads.every((f) => was[f] === q[f])) continue;
      const text = def.text(q, this.ins);
      const tone = def.tone(q, this.ins);
      const shown = this.shown[i];
      if (shown.text !== text) c.text.data = shown.text = text;
      if (shown.tone !== tone) {
        shown.tone = tone;
        c.toned.className = tone ? (c.base ? `${c.base} ${tone}` : tone) : c.base;
      }
    }
    const ltp = q?.ltp;
    if (this.ltp) {
      const attr = ltp === undefined ? '' : String(ltp);
      if (attr !== this.ltpAttr) this.ltp.setAttribute('data-ltp', (this.ltpAttr = attr));
    }
    const now = this.now();
    if (this.flash && ltp !== undefined && this.prevLtp !== undefined && ltp !== this.prevLtp && now - this.flashedAt >= FLASH_EVERY_MS) {
      // It ends clear before the next may start, so the cell never stays coloured however fast the ticks come.
      this.flasher.start(this.flash, ltp > this.prevLtp);
      this.flashedAt = now;
    }
    this.prevLtp = ltp;
  }
}
