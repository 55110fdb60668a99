// Watchlist rows: instrument as a trader reads it, last price (a flash that fades once per change),
// change %, volume and OI in K / L / Cr. ↑/↓, Enter and Delete work on it (features/keys).
import { memo, useEffect, useMemo, useRef } from 'react';
import type { Quote } from '../../../../shared/api';
import type { Instrument } from '../../../../shared/model';
import { decimalsFor, direction, pct, price, qty } from '../../format';
import { useApp } from '../../store/app';
import { OptionChain } from '../chain/OptionChain';
import { StaleBadge } from '../status/StaleBadge';
import { Search } from './Search';
import { instrumentLabel } from './symbol';

/** A row flashes at most once per this period (a flash lasts 700 ms, styles.css), so it always fades out. */
const FLASH_EVERY_MS = 1000;

const Row = memo(function Row({ ins, quote, selected }: { ins: Instrument; quote: Quote | undefined; selected: boolean }) {
  const select = useApp((s) => s.select);
  const remove = useApp((s) => s.removeFromWatchlist);
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
  const d = decimalsFor(ins.tickSize);
  const dir = direction(quote?.changePct);
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
      <td className="num ltp-cell">
        <span className="flash" ref={flashRef} />
        <span className={dir} data-testid="watch-ltp" data-ltp={quote?.ltp ?? ''}>
          {price(quote?.ltp, d)}
        </span>
      </td>
      <td className={`num ${dir}`} data-testid="watch-chg">
        {pct(quote?.changePct)}
      </td>
      <td className="num" data-testid="watch-vol">
        {quote?.volume ? qty(quote.volume) : ''}
      </td>
      <td className="num oi">
        {quote?.oi ? qty(quote.oi) : ''}
        <button
          className="remove"
          title="Remove (Delete)"
          tabIndex={-1}
          onClick={(e) => {
            e.stopPropagation();
            remove(ins.id);
          }}
        >
          ×
        </button>
      </td>
    </tr>
  );
});

export function Watchlist() {
  const watchlist = useApp((s) => s.watchlist);
  const instruments = useApp((s) => s.instruments);
  const quotes = useApp((s) => s.quotes);
  const selectedId = useApp((s) => s.selectedId);
  const chainOpen = useApp((s) => s.overlays.includes('chain'));
  const toggle = useApp((s) => s.toggle);
  const close = useApp((s) => s.close);
  // Prices of a lakh and more (MRF) need a wider LTP column; most lists never do.
  const wideLtp = watchlist.some((id) => (quotes[id]?.ltp ?? 0) >= 99_999.995);
  return (
    <section className="panel watchlist">
      <div className="watch-tools">
        <Search />
        <button data-testid="open-chain" className={chainOpen ? 'on' : ''} title="Option chain (C)" onClick={() => toggle('chain')}>
          Chain
        </button>
      </div>
      {chainOpen && <OptionChain onClose={() => close('chain')} />}
      <div className="watch-scroll" role="listbox" aria-label="Watchlist" data-testid="watchlist" tabIndex={0}>
        <table className={wideLtp ? 'wide-ltp' : undefined}>
          <colgroup>
            <col />
            <col className="c-ltp" />
            <col className="c-chg" />
            <col className="c-vol" />
            <col className="c-oi" />
          </colgroup>
          <thead>
            <tr>
              <th>Instrument</th>
              <th className="num">LTP</th>
              <th className="num">Chg%</th>
              <th className="num">Vol</th>
              <th className="num oi">OI</th>
            </tr>
          </thead>
          <tbody>
            {watchlist.map((id) =>
              instruments[id] ? <Row key={id} ins={instruments[id]} quote={quotes[id]} selected={id === selectedId} /> : null,
            )}
          </tbody>
        </table>
        {watchlist.length === 0 && <p className="empty dim">Search above to add instruments (/ or Ctrl+K).</p>}
      </div>
      <StaleBadge />
    </section>
  );
}
