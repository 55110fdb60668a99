// The options desk: underlying → any listed expiry → strikes around the money, CE and PE side by
// side with LTP, change, volume, OI and its change since the previous session's close, IV and
// delta (all Greeks in each IV cell's tooltip), ITM shaded, ATM marked, and the expiry's model,
// PCR, max pain and change in OI (calls, puts, their ratio) in the header. The engine computes
// the analytics from the live stream (analytics/chain.ts), so a headless server has them too. A
// click on + adds the contract to the watchlist. Values refresh every 2 s; while the pointer is
// over the table the strikes stay where they are (only their values change), so a click lands on
// the strike the user aimed at. Esc closes it.
import { useEffect, useRef, useState } from 'react';
import type { ChainSide, OptionChain as Chain } from '../../../../shared/api';
import { decimalsFor, price, qty, qtyFull } from '../../format';
import { bridge } from '../../engine-link';
import { useApp } from '../../store/app';
import './chain.css';

type Underlying = { underlying: string; exchange: string; expiries: string[] };
type Row = Chain['rows'][number];

const MODEL_NAME = { black76: 'Black-76', bs: 'Black-Scholes' } as const;

/** The new values on the strikes already shown (the window does not move under the pointer). */
export function keepStrikes(shown: readonly Row[], next: readonly Row[]): Row[] {
  const byStrike = new Map(next.map((r) => [r.strike, r]));
  return shown.map((r) => byStrike.get(r.strike) ?? r);
}

const pct1 = (v: number | null | undefined) => (v === null || v === undefined ? '' : `${(v * 100).toFixed(1)}`);
const change = (v: number | null | undefined, d: number) => (v === null || v === undefined ? '' : v === 0 ? price(0, d) : `${v > 0 ? '+' : '−'}${price(Math.abs(v), d)}`);
const changeClass = (v: number | null | undefined) => (v ? (v > 0 ? 'num up' : 'num down') : 'num dim');

/** A change in OI in K / L / Cr with its sign ("+1.23L", "-45.0K", "0"); "—" when unknown. */
export function oiChange(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const text = qty(v);
  return v > 0 && text !== '0' ? `+${text}` : text;
}

const PREV_OI_FROM = { broker: "the broker's previous-day OI", journal: 'the last OI recorded before the session', sim: "the simulator's previous close" } as const;

function oiChangeTitle(s: ChainSide): string {
  if (s.prevOi === null || s.prevOi === undefined) return 'previous session’s OI not known (no broker value, nothing recorded at its close)';
  return `OI ${qtyFull(s.oi)} − previous close ${qtyFull(s.prevOi)}\n(${s.prevOiFrom ? PREV_OI_FROM[s.prevOiFrom] : ''})`;
}

function greeksTitle(s: ChainSide): string {
  if (!s.greeks) return s.ivReason ? `no IV: ${s.ivReason}` : '';
  const g = s.greeks;
  return `IV ${pct1(s.iv)} %\nΔ delta ${g.delta.toFixed(3)}\nΓ gamma ${g.gamma.toFixed(5)}\nΘ theta ${g.theta.toFixed(2)} / day\nν vega ${g.vega.toFixed(2)} / vol pt\nρ rho ${g.rho.toFixed(2)} / rate pt`;
}

export function OptionChain({ onClose }: { onClose: () => void }) {
  const [underlyings, setUnderlyings] = useState<Underlying[]>([]);
  const [pick, setPick] = useState<{ u: number; expiry: string } | null>(null);
  const [chain, setChain] = useState<Chain | null>(null);
  const [error, setError] = useState('');
  const hovering = useRef(false);
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
    const onKey = (e: KeyboardEvent) => {
      // The page's key handler closes the topmost overlay first and marks the key handled.
      if (e.key === 'Escape' && !e.defaultPrevented) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  useEffect(() => {
    if (!pick || !underlyings[pick.u]) return;
    const { underlying, exchange } = underlyings[pick.u];
    let stop = false;
    let first = true;
    const load = () =>
      bridge()
        ?.request('optionChain', { underlying, exchange, expiry: pick.expiry, around: 10 })
        .then((r) => {
          if (stop) return;
          // A new expiry or underlying, or the pointer elsewhere: centre on the money again.
          setChain((prev) => (first || !hovering.current || !prev ? r : { ...r, atm: r.atm, rows: keepStrikes(prev.rows, r.rows) }));
          first = false;
        })
        .catch((e: Error) => setError(e.message));
    void load();
    const t = setInterval(load, 2000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [pick, underlyings]);

  const u = pick ? underlyings[pick.u] : undefined;
  const an = chain?.analytics ?? null;
  const cells = (s: ChainSide | undefined, side: 'ce' | 'pe', itm: boolean) => {
    if (!s) return <td colSpan={8} className={itm ? 'itm' : undefined} />;
    const d = decimalsFor(s.instrument.tickSize);
    const inList = watchlist.includes(s.instrument.id);
    const cls = (base: string) => (itm ? `${base} itm` : base);
    const list = [
      <td key="oi" className={cls('num dim')} data-testid={`chain-oi-${side}`} data-value={s.oi ?? ''}>{s.oi ? qty(s.oi) : ''}</td>,
      <td key="oichg" className={cls(`${changeClass(s.oiChange)} oichg`)} data-testid={`chain-oichg-${side}`} data-value={s.oiChange ?? ''} title={oiChangeTitle(s)}>
        {oiChange(s.oiChange)}
      </td>,
      <td key="vol" className={cls('num dim')}>{s.volume ? qty(s.volume) : ''}</td>,
      <td key="iv" className={cls('num')} data-testid={`chain-iv-${side}`} title={greeksTitle(s)}>{pct1(s.iv)}</td>,
      <td key="delta" className={cls('num dim')} data-testid={`chain-delta-${side}`}>{s.greeks ? s.greeks.delta.toFixed(2) : ''}</td>,
      <td key="chg" className={cls(changeClass(s.change))}>{change(s.change, d)}</td>,
      <td key="ltp" className={cls('num ltp')} data-testid={`chain-ltp-${side}`}>{price(s.ltp, d)}</td>,
      <td key="add" className={cls('add')}>
        <button className={inList ? 'on' : ''} data-testid={`chain-add-${side}`} data-symbol={`${s.instrument.exchange}:${s.instrument.symbol}`} title={`Add ${s.instrument.symbol}`} onClick={() => add(s.instrument)}>
          {inList ? '✓' : '+'}
        </button>
      </td>,
    ];
    return side === 'ce' ? list : [...list].reverse();
  };
  const px = an?.underlyingPrice ?? chain?.spot ?? null;

  return (
    <div className="chain-overlay chain-desk" data-testid="option-chain" role="dialog" aria-label="Option chain">
      <header>
        <span className="title">Option chain</span>
        <select
          data-testid="chain-underlying"
          value={pick?.u ?? ''}
          onChange={(e) => {
            const k = Number(e.target.value);
            setPick({ u: k, expiry: underlyings[k].expiries[0] });
          }}
        >
          {underlyings.map((x, k) => (
            <option key={`${x.exchange}:${x.underlying}`} value={k}>{`${x.underlying} (${x.exchange})`}</option>
          ))}
        </select>
        <select data-testid="chain-expiry" value={pick?.expiry ?? ''} onChange={(e) => pick && setPick({ u: pick.u, expiry: e.target.value })}>
          {u?.expiries.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
        <span className="dim" data-testid="chain-spot" data-spot={chain?.spot ?? ''}>
          {chain?.spot != null ? `spot ${price(chain.spot)}` : ''}
        </span>
        <button className="close" onClick={onClose} title="Close (Esc)">
          ×
        </button>
      </header>
      {an && (
        <div className="chain-stats" data-testid="chain-stats">
          <span title="The model IV and Greeks are computed with, and the price it is on">
            {MODEL_NAME[an.model]} on {an.priceFrom === 'future' ? 'the future' : 'spot'} {price(an.underlyingPrice ?? undefined)}
          </span>
          <span>{(an.years * 365).toFixed(1)} days</span>
          <span data-testid="chain-pcr" title="Put/call ratio by open interest (by volume in brackets)">
            PCR {an.pcrOi === null ? '–' : an.pcrOi.toFixed(2)}
            {an.pcrVolume === null ? '' : ` (vol ${an.pcrVolume.toFixed(2)})`}
          </span>
          <span data-testid="chain-maxpain" title="The strike at which option holders would be paid least at expiry">
            max pain {an.maxPain === null ? '–' : an.maxPain}
          </span>
          <span
            data-testid="chain-oichg-total"
            data-ce={an.ceOiChange ?? ''}
            data-pe={an.peOiChange ?? ''}
            title={`Change in OI since the previous session's close, over the expiry (${an.oiChangeKnown ?? 0} of ${an.oiSides ?? 0} options with a known previous OI); PCR of the change: puts over calls`}
          >
            Chg OI CE <b className={changeClass(an.ceOiChange)}>{oiChange(an.ceOiChange)}</b> PE <b className={changeClass(an.peOiChange)}>{oiChange(an.peOiChange)}</b>
            {an.pcrOiChange === null || an.pcrOiChange === undefined ? '' : ` (PCR ${an.pcrOiChange.toFixed(2)})`}
          </span>
          <span className="dim">r {(an.rate * 100).toFixed(2)} %</span>
        </div>
      )}
      {error && <p className="down">{error}</p>}
      {underlyings.length === 0 && !error && <p className="dim">No options in the instrument list.</p>}
      <table onMouseEnter={() => (hovering.current = true)} onMouseLeave={() => (hovering.current = false)}>
        <thead>
          <tr>
            <th className="num">OI</th>
            <th className="num" title="Change in OI since the previous session's close">Chg OI</th>
            <th className="num">Vol</th>
            <th className="num">IV</th>
            <th className="num">Δ</th>
            <th className="num">Chg</th>
            <th className="num">CE LTP</th>
            <th />
            <th className="num strike">Strike</th>
            <th />
            <th className="num">PE LTP</th>
            <th className="num">Chg</th>
            <th className="num">Δ</th>
            <th className="num">IV</th>
            <th className="num">Vol</th>
            <th className="num" title="Change in OI since the previous session's close">Chg OI</th>
            <th className="num">OI</th>
          </tr>
        </thead>
        <tbody>
          {chain?.rows.map((r) => (
            <tr key={r.strike} data-testid="chain-row" data-strike={r.strike} className={r.strike === chain.atm ? 'atm' : ''}>
              {cells(r.ce, 'ce', r.ce?.itm ?? (px !== null && r.strike < px))}
              <td className="num strike">{r.strike === chain.atm ? <span title="at the money">{r.strike}</span> : r.strike}</td>
              {cells(r.pe, 'pe', r.pe?.itm ?? (px !== null && r.strike > px))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
