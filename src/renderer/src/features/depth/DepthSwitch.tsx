// The ladder's book-levels switch ("5 · 20 · 200 3/5"): which full-depth feed the selected
// instrument is on, built from what the engine says the broker offers (status.depth: its declared
// feeds, their limits and who holds them), never from broker names. A full feed is disabled with
// the instruments holding it in its tooltip; an instrument without full depth there says why. The
// choices are kept per broker and applied again when the page (re)connects to an engine.
import { useEffect, useRef, useState } from 'react';
import type { DepthUsage, EngineStatus } from '../../../../shared/api';
import { bridge } from '../../engine-link';
import { useApp } from '../../store/app';
import { depthOptions, levelsOf, loadSaved, reapplyPlan, saveChoice, scarcest, type DepthOption } from './depth-choice';
import './depth-switch.css';

/** Holders named in a tooltip; the rest are counted. */
const NAMED = 6;
/** EXCHANGE:SYMBOL by instrument id, for tooltips (the watchlist's, else asked of the engine once). */
const names = new Map<number, string>();

function nameOf(id: number): string {
  const ins = useApp.getState().instruments[id];
  return ins ? `${ins.exchange}:${ins.symbol}` : (names.get(id) ?? `#${id}`);
}

function holders(u: DepthUsage): string {
  const ids = u.instruments;
  return ids.slice(0, NAMED).map(nameOf).join(', ') + (ids.length > NAMED ? ` and ${ids.length - NAMED} more` : '');
}

function tooltip(o: DepthOption, current: number, base: number, refusal: string | null): string {
  if (!o.usage) return `${base > 0 ? `${base} levels` : 'No full depth'}: the book the ticks carry (no full-depth feed)`;
  const u = o.usage;
  const used = u.instruments.length;
  const who = used ? ` (${holders(u)})` : '';
  if (o.levels !== current && refusal) return refusal;
  if (o.levels !== current && o.full) return `${o.levels} levels: all ${u.max} in use${who}. Move one of them to fewer levels first.`;
  return `${o.levels} levels: ${used} of ${u.max} in use${who}`;
}

export function DepthSwitch() {
  const status = useApp((s) => s.status);
  const depth = status?.depth ?? null;
  const selectedId = useApp((s) => s.selectedId);
  const connection = useApp((s) => s.connection);
  const [refusal, setRefusal] = useState<{ id: number; text: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** The usage a change answered with, shown until the next status (built after it) comes. */
  const [answered, setAnswered] = useState<{ usage: DepthUsage[]; over: EngineStatus | null } | null>(null);
  const [, setNamed] = useState(0);
  const reapplied = useRef<string | null>(null);
  const broker = depth?.broker ?? null;

  // Whether the selected instrument may have full depth here (an index, a segment without it).
  useEffect(() => {
    const c = bridge();
    setError(null);
    if (!broker || selectedId === null || !c || c.closed) return;
    let live = true;
    c.request('depthOf', { instrumentId: selectedId })
      .then((r) => live && setRefusal({ id: selectedId, text: r.refusal }))
      .catch(() => live && setRefusal({ id: selectedId, text: null }));
    return () => {
      live = false;
    };
  }, [broker, selectedId, connection]);

  // The user's choices again, once per connection: the engine may have restarted with its own list.
  useEffect(() => {
    if (connection !== 'connected') reapplied.current = null;
    const c = bridge();
    if (!depth || connection !== 'connected' || !c || c.closed || reapplied.current === depth.broker) return;
    reapplied.current = depth.broker;
    const plan = reapplyPlan(loadSaved(depth.broker), depth.usage);
    if (!plan.length) return;
    void (async () => {
      for (const p of plan) {
        try {
          const r = await c.request('setDepth', p);
          setAnswered({ usage: r.usage, over: useApp.getState().status });
        } catch (e) {
          setError(`saved depth for ${nameOf(p.instrumentId)} not applied: ${(e as Error).message}`);
        }
      }
    })();
  }, [depth, connection]);

  const usage = answered && answered.over === status ? answered.usage : (depth?.usage ?? []);
  // Names for the holders' tooltips, asked of the engine once each.
  const unnamed = usage.flatMap((u) => u.instruments.slice(0, NAMED)).filter((id) => !names.has(id) && !useApp.getState().instruments[id]);
  const unnamedKey = unnamed.join(',');
  useEffect(() => {
    const c = bridge();
    if (!unnamedKey || !c || c.closed) return;
    for (const id of unnamedKey.split(',').map(Number)) {
      names.set(id, `#${id}`);
      c.request('getInstrument', { instrumentId: id })
        .then((ins) => {
          names.set(id, `${ins.exchange}:${ins.symbol}`);
          setNamed((n) => n + 1);
        })
        .catch(() => undefined);
    }
  }, [unnamedKey]);

  if (!depth || depth.usage.length === 0) return null;
  const current = levelsOf(usage, selectedId);
  const why = refusal && refusal.id === selectedId ? refusal.text : null;
  const options = depthOptions(depth.base, usage);
  const scarce = scarcest(usage);

  const choose = (levels: number) => {
    const c = bridge();
    if (!c || c.closed || selectedId === null || levels === current) return;
    const id = selectedId;
    setBusy(true);
    setError(null);
    c.request('setDepth', { instrumentId: id, levels })
      .then((r) => {
        saveChoice(depth.broker, id, levels);
        setAnswered({ usage: r.usage, over: useApp.getState().status });
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(false));
  };

  return (
    <div className="depth-switch" data-testid="depth-switch" data-levels={current}>
      <span className="depth-label">Book</span>
      <span className="depth-choices" role="radiogroup" aria-label="Book levels">
        {options.map((o) => {
          const disabled = busy || selectedId === null || (o.levels !== current && o.levels > 0 && (why !== null || o.full));
          return (
            <button
              key={o.levels}
              role="radio"
              aria-checked={o.levels === current}
              className={o.levels === current ? 'on' : undefined}
              data-testid="depth-choice"
              data-levels={o.levels}
              disabled={disabled}
              title={tooltip(o, current, depth.base, why)}
              onClick={() => choose(o.levels)}
            >
              {o.label}
            </button>
          );
        })}
      </span>
      {scarce && (
        <span className="depth-usage" data-testid="depth-usage" title={`${scarce.levels}-level depth: ${scarce.instruments.length} of ${scarce.max} instruments${scarce.instruments.length ? ` (${holders(scarce)})` : ''}`}>
          {scarce.levels}: {scarce.instruments.length}/{scarce.max}
        </span>
      )}
      {error && (
        <span className="depth-error" data-testid="depth-error" title={error}>
          {error}
        </span>
      )}
    </div>
  );
}
