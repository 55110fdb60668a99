// Watchlist rows: last price (flashing on change), change %, volume, OI.
import { memo, useEffect, useRef, useState } from 'react';
import type { Quote } from '../../../../shared/api';
import type { Instrument } from '../../../../shared/model';
import { decimalsFor, pct, price, qty } from '../../format';
import { useApp } from '../../store/app';
import { Search } from './Search';
import { OptionChain } from '../chain/OptionChain';

const Row = memo(function Row({ ins, quote, selected }: { ins: Instrument; quote: Quote | undefined; selected: boolean }) {
  const select = useApp((s) => s.select);
  const remove = useApp((s) => s.removeFromWatchlist);
  const flashRef = useRef<HTMLSpanElement>(null);
  const prev = useRef<number | undefined>(undefined);
  useEffect(() => {
    const el = flashRef.current;
    const ltp = quote?.ltp;
    if (el && ltp !== undefined && prev.current !== undefined && ltp !== prev.current) {
      // An opacity animation on its own layer runs on the compositor: no style, layout or paint
      // on the main thread for each frame of the flash.
      el.className = ltp > prev.current ? 'flash up' : 'flash down';
      el.animate([{ opacity: 0.5 }, { opacity: 0 }], { duration: 600, easing: 'ease-out' });
    }
    prev.current = ltp;
  }, [quote?.ltp]);
  const d = decimalsFor(ins.tickSize);
  const up = (quote?.changePct ?? 0) >= 0;
  return (
    <tr className={selected ? 'selected' : ''} data-testid="watch-row" data-symbol={`${ins.exchange}:${ins.symbol}`} onClick={() => select(ins.id)}>
      <td className="sym" title={ins.name}>
        {ins.symbol}
        <small>{ins.exchange}</small>
      </td>
      <td className="num ltp-cell">
        <span className="flash" ref={flashRef} />
        <span data-testid="watch-ltp" data-ltp={quote?.ltp ?? ''}>
          {price(quote?.ltp, d)}
        </span>
      </td>
      <td className={`num ${up ? 'up' : 'down'}`}>{pct(quote?.changePct)}</td>
      <td className="num">{qty(quote?.volume)}</td>
      <td className="num">{quote?.oi ? qty(quote.oi) : ''}</td>
      <td>
        <button
          className="remove"
          title="Remove"
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
  const [chainOpen, setChainOpen] = useState(false);
  return (
    <section className="panel watchlist">
      <div className="watch-tools">
        <Search />
        <button data-testid="open-chain" className={chainOpen ? 'on' : ''} title="Option chain" onClick={() => setChainOpen((o) => !o)}>
          Chain
        </button>
      </div>
      {chainOpen && <OptionChain onClose={() => setChainOpen(false)} />}
      <table>
        <thead>
          <tr>
            <th>Symbol</th>
            <th className="num">LTP</th>
            <th className="num">Chg</th>
            <th className="num">Vol</th>
            <th className="num">OI</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {watchlist.map((id) =>
            instruments[id] ? <Row key={id} ins={instruments[id]} quote={quotes[id]} selected={id === selectedId} /> : null,
          )}
        </tbody>
      </table>
    </section>
  );
}
