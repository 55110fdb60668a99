// Watchlist rows of the active named list (tabs above, Lists.tsx): the instrument as a trader
// reads it, then the columns the user chose (LTP with a flash that fades once per change, change,
// change %, volume and OI in K / L / Cr, bid, ask), sorted by a header click (ascending, descending,
// none). ↑/↓, Enter and Delete work on it in the order shown (features/keys).
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, type CSSProperties } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Instrument } from '../../../../shared/model';
import { activeListOf, shownOrder, useApp } from '../../store/app';
import { live } from '../../store/live';
import { OptionChain } from '../chain/OptionChain';
import { StaleBadge } from '../status/StaleBadge';
import { COLUMNS, DEFAULT_COLUMNS, type SortKey, type WatchColumn, type WatchSort } from './columns';
import { Lists } from './Lists';
import { RowWriter, type QuoteCell } from './quote-cells';
import { Search } from './Search';
import { instrumentLabel } from './symbol';
import './watchlist.css';

/** The instrument column's least width (ch) when many columns need the row to scroll sideways. */
const SYMBOL_MIN_CH = 14;
/** The LTP column's width when a price of a lakh or more (MRF) is in the list. */
const WIDE_LTP_CH = 10.6;
/** The chain renders for its own data (every 2 s), not with the watchlist. */
const Chain = memo(OptionChain);

/** Rows this far outside the list's view are written as if on screen (a scroll shows them ready). */
const ON_SCREEN_MARGIN = '300px 0px';
const writerOf = new WeakMap<Element, RowWriter>();
let onScreen: IntersectionObserver | null = null;

/** Tells `writer` whether its row is on screen, as the list scrolls; returns the undo. */
function followOnScreen(row: Element, writer: RowWriter): () => void {
  onScreen ??= new IntersectionObserver((entries) => {
    for (const e of entries) writerOf.get(e.target)?.setOnScreen(e.isIntersecting);
  }, { rootMargin: ON_SCREEN_MARGIN });
  writerOf.set(row, writer);
  onScreen.observe(row);
  return () => {
    onScreen?.unobserve(row);
    writerOf.delete(row);
  };
}

/**
 * One instrument. React renders its structure; the values are written by a RowWriter
 * (quote-cells.ts) as quotes come (live.ts), so a price change renders nothing.
 */
const Row = memo(function Row({ ins, selected, columns }: { ins: Instrument; selected: boolean; columns: WatchColumn[] }) {
  const rowRef = useRef<HTMLTableRowElement>(null);
  useLayoutEffect(() => {
    const row = rowRef.current!;
    const cells: QuoteCell[] = [];
    const texts: Text[] = [];
    let ltp: HTMLElement | null = null;
    let flash: HTMLElement | null = null;
    for (const td of row.querySelectorAll<HTMLElement>('td[data-col]')) {
      const column = td.dataset.col as WatchColumn;
      const text = document.createTextNode('');
      texts.push(text);
      if (column === 'ltp') {
        ltp = td.querySelector<HTMLElement>('[data-testid=watch-ltp]')!;
        flash = td.querySelector<HTMLElement>('.flash');
        ltp.append(text);
        cells.push({ column, toned: ltp, base: '', text });
      } else {
        td.prepend(text); // before the row's × button when this is the last cell
        cells.push({ column, toned: td, base: td.className, text });
      }
    }
    const writer = new RowWriter(ins, cells, ltp, flash);
    writer.write(useApp.getState().quotes[ins.id]);
    const off = live.onQuote(ins.id, (q) => writer.write(q));
    const unfollow = followOnScreen(row, writer);
    return () => {
      off();
      unfollow();
      for (const t of texts) t.remove();
    };
  }, [ins, columns]);
  useEffect(() => {
    if (selected) rowRef.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const label = useMemo(() => instrumentLabel(ins), [ins]);
  return (
    <tr
      ref={rowRef}
      className={selected ? 'selected' : ''}
      role="option"
      aria-selected={selected}
      data-testid="watch-row"
      data-symbol={`${ins.exchange}:${ins.symbol}`}
      // The store's action at the click (not a subscription per row: each would run on every quotes message).
      onClick={() => useApp.getState().select(ins.id)}
    >
      <td className="sym" title={label.title}>
        <div className="sym-in">
          <span className="main" data-testid="watch-sym">
            {label.main}
          </span>
          {label.sub && <small>{label.sub}</small>}
        </div>
      </td>
      {columns.map((c, i) => {
        const def = COLUMNS[c];
        const last = i === columns.length - 1;
        const remove = last ? <RemoveButton id={ins.id} /> : null;
        // The cells' text and tone are the writer's: React gives them none, so it never overwrites them.
        if (c === 'ltp')
          return (
            <td key={c} data-col={c} className={`num ltp-cell${last ? ' last' : ''}`}>
              <span className="flash" />
              <span data-testid="watch-ltp" />
              {remove}
            </td>
          );
        return (
          <td key={c} data-col={c} className={`num${c === 'oi' ? ' oi' : ''}${last ? ' last' : ''}`} data-testid={def.testId}>
            {remove}
          </td>
        );
      })}
    </tr>
  );
});

function RemoveButton({ id }: { id: number }) {
  return (
    <button
      className="remove"
      title="Remove (Delete)"
      tabIndex={-1}
      onClick={(e) => {
        e.stopPropagation();
        useApp.getState().removeFromWatchlist(id);
      }}
    >
      ×
    </button>
  );
}

const ARROW = { asc: ' ▲', desc: ' ▼' } as const;

function Head({ k, label, className, sort }: { k: SortKey; label: string; className: string; sort: WatchSort | null }) {
  const cycle = useApp((s) => s.cycleSort);
  const on = sort?.key === k ? sort.dir : null;
  return (
    <th className={className} aria-sort={on === 'asc' ? 'ascending' : on === 'desc' ? 'descending' : 'none'} data-testid={`watch-head-${k}`}>
      <button className="sort" title={`Sort by ${label} (ascending, descending, none)`} onClick={() => cycle(k)}>
        {label}
        {on ? ARROW[on] : ''}
      </button>
    </th>
  );
}

export function Watchlist() {
  const watchlist = useApp((s) => s.watchlist);
  const instruments = useApp((s) => s.instruments);
  const selectedId = useApp((s) => s.selectedId);
  const list = useApp(activeListOf);
  const chainOpen = useApp((s) => s.overlays.includes('chain'));
  const toggle = useApp((s) => s.toggle);
  const close = useApp((s) => s.close);
  const closeChain = useCallback(() => close('chain'), [close]);
  const { columns, sort } = list;
  // Unsorted, the rows keep the list's order; sorted, they follow the values (and ↑/↓ with them):
  // this renders again when the order changes, not when a price does.
  const shown = useApp(useShallow(shownOrder));
  // Prices of a lakh and more (MRF) need a wider LTP column; most lists never do.
  const wideLtp = useApp((s) => s.watchlist.some((id) => (s.quotes[id]?.ltp ?? 0) >= 99_999.995));
  // More than the usual columns: the instrument keeps its width and the table scrolls sideways.
  const extra = columns.some((c) => !DEFAULT_COLUMNS.includes(c));
  const minWidth = extra ? `${SYMBOL_MIN_CH + columns.reduce((w, c) => w + COLUMNS[c].widthCh, 0) + columns.length}ch` : undefined;
  // Each row is a grid of these tracks (styles.css): the instrument takes what the columns leave.
  // OI's track is a variable so that a narrow watchlist can fold it away (the container query).
  const tracks = columns.map((c) => (c === 'oi' ? `var(--oi-w, ${COLUMNS.oi.widthCh}ch)` : `${c === 'ltp' && wideLtp ? WIDE_LTP_CH : COLUMNS[c].widthCh}ch`));
  const tableStyle = { '--cols': `minmax(0, 1fr) ${tracks.join(' ')}`, ...(minWidth ? { minWidth } : {}) } as CSSProperties;
  return (
    <section className="panel watchlist">
      <Lists />
      <div className="watch-tools">
        <Search />
        <button data-testid="open-chain" className={chainOpen ? 'on' : ''} title="Option chain (C)" onClick={() => toggle('chain')}>
          Chain
        </button>
      </div>
      {chainOpen && <Chain onClose={closeChain} />}
      <div className={extra ? 'watch-scroll scroll-x' : 'watch-scroll'} role="listbox" aria-label={`Watchlist ${list.name}`} data-testid="watchlist" data-list={list.name} tabIndex={0}>
        <table className={wideLtp ? 'wide-ltp' : undefined} style={tableStyle}>
          <thead>
            <tr>
              <Head k="symbol" label="Instrument" className="" sort={sort} />
              {columns.map((c) => (
                <Head key={c} k={c} label={COLUMNS[c].head} className={c === 'oi' ? 'num oi' : 'num'} sort={sort} />
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((id) =>
              instruments[id] ? <Row key={id} ins={instruments[id]} selected={id === selectedId} columns={columns} /> : null,
            )}
          </tbody>
        </table>
        {watchlist.length === 0 && <p className="empty dim">Search above to add instruments (/ or Ctrl+K).</p>}
      </div>
      <StaleBadge />
    </section>
  );
}
