// Watchlist rows of the active named list (tabs above, Lists.tsx): the instrument as a trader
// reads it, then the columns the user chose (LTP with a flash that fades once per change, change,
// change %, volume and OI in K / L / Cr, bid, ask), sorted by a header click (ascending, descending,
// none). ↑/↓, Enter and Delete work on it in the order shown (features/keys).
import { memo, useEffect, useMemo, useRef } from 'react';
import type { Quote } from '../../../../shared/api';
import type { Instrument } from '../../../../shared/model';
import { activeListOf, shownOrder, useApp } from '../../store/app';
import { OptionChain } from '../chain/OptionChain';
import { StaleBadge } from '../status/StaleBadge';
import { COLUMNS, DEFAULT_COLUMNS, type SortKey, type WatchColumn, type WatchSort } from './columns';
import { Lists } from './Lists';
import { Search } from './Search';
import { instrumentLabel } from './symbol';
import './watchlist.css';

/** A row flashes at most once per this period (a flash lasts 700 ms, styles.css), so it always fades out. */
const FLASH_EVERY_MS = 1000;
/** The instrument column's least width (ch) when many columns need the row to scroll sideways. */
const SYMBOL_MIN_CH = 14;

const Row = memo(function Row({ ins, quote, selected, columns }: { ins: Instrument; quote: Quote | undefined; selected: boolean; columns: WatchColumn[] }) {
  const select = useApp((s) => s.select);
  const flashRef = useRef<HTMLSpanElement>(null);
  const rowRef = useRef<HTMLTableRowElement>(null);
  const prev = useRef<number | undefined>(undefined);
  const flashedAt = useRef(0);
  const alt = useRef(false);
  useEffect(() => {
    const el = flashRef.current;
    const ltp = quote?.ltp;
    const now = performance.now();
    if (el && ltp !== undefined && prev.current !== undefined && ltp !== prev.current && now - flashedAt.current >= FLASH_EVERY_MS) {
      // A CSS animation restarted by switching between two identical keyframes (no reflow forced);
      // it ends transparent, so the cell never stays coloured however fast the ticks come.
      alt.current = !alt.current;
      el.className = `flash ${ltp > prev.current ? 'up' : 'down'} ${alt.current ? 'a' : 'b'}`;
      flashedAt.current = now;
    }
    prev.current = ltp;
  }, [quote?.ltp]);
  useEffect(() => {
    if (selected) rowRef.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  // A row renders on every price change (hundreds a second across a long list): only what changed is computed.
  const label = useMemo(() => instrumentLabel(ins), [ins]);
  return (
    <tr
      ref={rowRef}
      className={selected ? 'selected' : ''}
      role="option"
      aria-selected={selected}
      data-testid="watch-row"
      data-symbol={`${ins.exchange}:${ins.symbol}`}
      onClick={() => select(ins.id)}
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
        if (c === 'ltp')
          return (
            <td key={c} className={`num ltp-cell${last ? ' last' : ''}`}>
              <span className="flash" ref={flashRef} />
              <span className={def.tone(quote, ins)} data-testid="watch-ltp" data-ltp={quote?.ltp ?? ''}>
                {def.text(quote, ins)}
              </span>
              {remove}
            </td>
          );
        return (
          <td key={c} className={`num ${def.tone(quote, ins)}${c === 'oi' ? ' oi' : ''}${last ? ' last' : ''}`} data-testid={def.testId}>
            {def.text(quote, ins)}
            {remove}
          </td>
        );
      })}
    </tr>
  );
});

function RemoveButton({ id }: { id: number }) {
  const remove = useApp((s) => s.removeFromWatchlist);
  return (
    <button
      className="remove"
      title="Remove (Delete)"
      tabIndex={-1}
      onClick={(e) => {
        e.stopPropagation();
        remove(id);
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
  const quotes = useApp((s) => s.quotes);
  const selectedId = useApp((s) => s.selectedId);
  const list = useApp(activeListOf);
  const chainOpen = useApp((s) => s.overlays.includes('chain'));
  const toggle = useApp((s) => s.toggle);
  const close = useApp((s) => s.close);
  const { columns, sort } = list;
  // Unsorted, the rows keep the list's order; sorted, they follow the values (and ↑/↓ with them).
  const shown = sort ? shownOrder({ lists: [list], activeList: list.id, watchlist, quotes, instruments }) : watchlist;
  // Prices of a lakh and more (MRF) need a wider LTP column; most lists never do.
  const wideLtp = watchlist.some((id) => (quotes[id]?.ltp ?? 0) >= 99_999.995);
  // More than the usual columns: the instrument keeps its width and the table scrolls sideways.
  const extra = columns.some((c) => !DEFAULT_COLUMNS.includes(c));
  const minWidth = extra ? `${SYMBOL_MIN_CH + columns.reduce((w, c) => w + COLUMNS[c].widthCh, 0) + columns.length}ch` : undefined;
  return (
    <section className="panel watchlist">
      <Lists />
      <div className="watch-tools">
        <Search />
        <button data-testid="open-chain" className={chainOpen ? 'on' : ''} title="Option chain (C)" onClick={() => toggle('chain')}>
          Chain
        </button>
      </div>
      {chainOpen && <OptionChain onClose={() => close('chain')} />}
      <div className={extra ? 'watch-scroll scroll-x' : 'watch-scroll'} role="listbox" aria-label={`Watchlist ${list.name}`} data-testid="watchlist" data-list={list.name} tabIndex={0}>
        <table className={wideLtp ? 'wide-ltp' : undefined} style={minWidth ? { minWidth } : undefined}>
          <colgroup>
            <col />
            {columns.map((c) => (
              <col key={c} className={COLUMNS[c].col} />
            ))}
          </colgroup>
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
              instruments[id] ? <Row key={id} ins={instruments[id]} quote={quotes[id]} selected={id === selectedId} columns={columns} /> : null,
            )}
          </tbody>
        </table>
        {watchlist.length === 0 && <p className="empty dim">Search above to add instruments (/ or Ctrl+K).</p>}
      </div>
      <StaleBadge />
    </section>
  );
}
