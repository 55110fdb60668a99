// The option-chain picker: underlying → expiry → strikes around the money, CE and PE side by side;
// one click adds a contract to the watchlist. Prices refresh every 2 s while it is open.
import { useEffect, useState } from 'react';
import type { ChainSide, OptionChain as Chain } from '../../../../shared/api';
import { decimalsFor, price, qty } from '../../format';
import { bridge } from '../../engine-link';
import { useApp } from '../../store/app';

type Underlying = { underlying: string; exchange: string; expiries: string[] };

export function OptionChain({ onClose }: { onClose: () => void }) {
  const [underlyings, setUnderlyings] = useState<Underlying[]>([]);
  const [pick, setPick] = useState<{ u: number; expiry: string } | null>(null);
  const [chain, setChain] = useState<Chain | null>(null);
  const [error, setError] = useState('');
  const add = useApp((s) => s.addToWatchlist);
  const watchlist = useApp((s) => s.watchlist);

  useEffect(() => {
    const c = bridge();
    if (!c) return;
    c.request('optionUnderlyings', {})
      .then((u) => {
        setUnderlyings(u);
        if (u.length) setPick({ u: 0, expiry: u[0].expiries[0] });
      })
      .catch((e: Error) => setError(e.message));
  }, []);

  useEffect(() => {
    if (!pick || !underlyings[pick.u]) return;
    const { underlying, exchange } = underlyings[pick.u];
    let stop = false;
    const load = () =>
      bridge()
        ?.request('optionChain', { underlying, exchange, expiry: pick.expiry, around: 10 })
        .then((r) => !stop && setChain(r))
        .catch((e: Error) => setError(e.message));
    void load();
    const t = setInterval(load, 2000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [pick, underlyings]);

  const u = pick ? underlyings[pick.u] : undefined;
  const cell = (s: ChainSide | undefined, side: 'ce' | 'pe') => {
    if (!s) return <td colSpan={3} />;
    const d = decimalsFor(s.instrument.tickSize);
    const inList = watchlist.includes(s.instrument.id);
    const button = (
      <td>
        <button className={inList ? 'on' : ''} data-testid={`chain-add-${side}`} data-symbol={`${s.instrument.exchange}:${s.instrument.symbol}`} title={`Add ${s.instrument.symbol}`} onClick={() => add(s.instrument)}>
          {inList ? '✓' : '+'}
        </button>
      </td>
    );
    const nums = [
      <td key="oi" className="num dim">{s.oi ? qty(s.oi) : ''}</td>,
      <td key="ltp" className="num" data-testid={`chain-ltp-${side}`}>{price(s.ltp, d)}</td>,
    ];
    return side === 'ce' ? (
      <>
        {nums}
        {button}
      </>
    ) : (
      <>
        {button}
        {[...nums].reverse()}
      </>
    );
  };

  return (
    <div className="chain-overlay" data-testid="option-chain" role="dialog" aria-label="Option chain">
      <header>
        <span className="title">Option chain</span>
        <select data-testid="chain-underlying" value={pick?.u ?? ''} onChange={(e) => {
          const k = Number(e.target.value);
          setPick({ u: k, expiry: underlyings[k].expiries[0] });
        }}>
          {underlyings.map((x, k) => (
            <option key={`${x.exchange}:${x.underlying}`} value={k}>{`${x.underlying} (${x.exchange})`}</option>
          ))}
        </select>
        <select data-testid="chain-expiry" value={pick?.expiry ?? ''} onChange={(e) => pick && setPick({ u: pick.u, expiry: e.target.value })}>
          {u?.expiries.map((x) => <option key={x} value={x}>{x}</option>)}
        </select>
        <span className="dim" data-testid="chain-spot">{chain?.spot != null ? `spot ${chain.spot}` : ''}</span>
        <button className="close" onClick={onClose} title="Close">×</button>
      </header>
      {error && <p className="down">{error}</p>}
      {underlyings.length === 0 && !error && <p className="dim">No options in the instrument list.</p>}
      <table>
        <thead>
          <tr>
            <th className="num">OI</th><th className="num">CE LTP</th><th />
            <th className="num strike">Strike</th>
            <th /><th className="num">PE LTP</th><th className="num">OI</th>
          </tr>
        </thead>
        <tbody>
          {chain?.rows.map((r) => (
            <tr key={r.strike} data-testid="chain-row" data-strike={r.strike} className={r.strike === chain.atm ? 'atm' : ''}>
              {cell(r.ce, 'ce')}
              <td className="num strike">{r.strike}</td>
              {cell(r.pe, 'pe')}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
