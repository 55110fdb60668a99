// Instrument search: type a symbol, an underlying with strike and CE/PE, or "NIFTY FUT"; Enter adds.
import { useEffect, useRef, useState } from 'react';
import type { Instrument } from '../../../../shared/model';
import { searchInstruments } from '../../engine-link';
import { useApp } from '../../store/app';

function describe(i: Instrument): string {
  if (i.optionType) return `${i.name ?? ''} ${i.expiry} ${i.strike} ${i.optionType}`;
  if (i.expiry) return `${i.name ?? ''} ${i.expiry} FUT`;
  return i.name ?? '';
}

export function Search() {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Instrument[]>([]);
  const [active, setActive] = useState(0);
  const add = useApp((s) => s.addToWatchlist);
  const select = useApp((s) => s.select);
  const seq = useRef(0);
  // `serve` shows the page while the engine is still starting: what was typed before the
  // connection was up is searched again once it is (it found nothing then).
  const connected = useApp((s) => s.connection === 'connected');

  useEffect(() => {
    const my = ++seq.current;
    const t = setTimeout(async () => {
      const r = await searchInstruments(query).catch(() => []);
      if (my === seq.current) {
        setResults(r);
        setActive(0);
      }
    }, 80);
    return () => clearTimeout(t);
  }, [query, connected]);

  const choose = (ins: Instrument) => {
    add(ins);
    select(ins.id);
    setQuery('');
    setResults([]);
  };

  return (
    <div className="search">
      <input
        data-testid="search-input"
        placeholder="Search ( / )  INFY, NIFTY 24500 CE, BANKNIFTY FUT"
        value={query}
        spellCheck={false}
        onChange={(e) => setQuery(e.target.value)}
        aria-label="Search instruments (/ or Ctrl+K)"
        aria-expanded={results.length > 0}
        aria-controls="search-results"
        onBlur={() => setResults([])}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((a) => Math.min(results.length - 1, a + 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(0, a - 1));
          } else if (e.key === 'Enter' && results[active]) choose(results[active]);
          else if (e.key === 'Escape' && (query || results.length)) {
            // First Esc clears (and nothing else hears it); the next one (the window's handler) leaves the box.
            e.preventDefault();
            e.stopPropagation();
            setQuery('');
            setResults([]);
          }
        }}
      />
      {results.length > 0 && (
        <ul className="search-results" id="search-results" role="listbox" data-testid="search-results">
          {results.map((r, i) => (
            <li
              key={r.id}
              className={i === active ? 'active' : ''}
              role="option"
              aria-selected={i === active}
              data-testid="search-result"
              data-symbol={`${r.exchange}:${r.symbol}`}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(r);
              }}
            >
              <span className="sym">{r.symbol}</span>
              <span className="exch">{r.exchange}</span>
              <span className="desc">{describe(r)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
