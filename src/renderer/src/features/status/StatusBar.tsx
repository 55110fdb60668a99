// Connection per feed (with "login needed"), ticks/s, journal rows, rejects, sink, IST clock, market
// state. While the engine is silent or gone, nothing here claims to be live: pills read "?", rates "—".
import { useEffect, useState } from 'react';
import { istClock, qty, qtyFull } from '../../format';
import { nseMarketState, type SessionPhase } from '../../../../shared/nse-calendar';
import { refreshInstruments } from '../../engine-link';
import { useApp } from '../../store/app';
import type { BrokerInfo } from '../../../../shared/brokers';
import { feedBroker, logsIn, useBrokers } from '../login/brokers';
import { ConnectDialog, desktopBroker } from '../login/ConnectDialog';
import { LoginDialog } from '../login/LoginDialog';
import { Rejects } from './Rejects';
import { LayoutsMenu } from '../layout/LayoutsMenu';
import { ThemeSwitch } from '../layout/ThemeSwitch';

export function StatusBar() {
  const status = useApp((s) => s.status);
  const connection = useApp((s) => s.connection);
  const detail = useApp((s) => s.connectionDetail);
  const silentSince = useApp((s) => s.silentSince);
  const refused = useApp((s) => s.refused);
  // What the engine said last is not news while it is silent: pills and rates show as unknown.
  const heard = connection === 'connected' && silentSince === null;
  const enginePill = refused ? 'refused' : connection === 'connected' && silentSince !== null ? 'not responding' : connection;
  const enginePillClass = refused || silentSince !== null ? 'disconnected' : connection;
  const tasks = useApp((s) => s.tasks);
  const [now, setNow] = useState(Date.now());
  // A finished download stays in view a few seconds, saying how many rows came.
  const downloads = Object.values(tasks).filter((t) => t.task === 'instruments' && (!t.done || now - (t.at ?? 0) < 5000));
  const [refreshError, setRefreshError] = useState('');
  const refresh = () => {
    setRefreshError('');
    refreshInstruments().catch((e: Error) => setRefreshError(e.message));
  };
  const [loginFor, setLoginFor] = useState<BrokerInfo | null>(null);
  const [connectFor, setConnectFor] = useState<string | undefined | null>(null);
  // The desktop app logs in through Electron main (popup, encrypted secrets); a browser through the engine.
  const desktop = desktopBroker();
  const infos = useBrokers();
  // "Connect broker" opens on the real broker whose protocol the feeds speak (else the dialog's first).
  const recorded = infos.find((b) => !b.simulated && status?.feeds.some((f) => feedBroker(f.feed, infos)?.protocol === b.protocol));
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  // Esc closes a login or connect dialog too (after any overlay above it: those stop the key).
  useEffect(() => {
    if (loginFor === null && connectFor === null) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      setLoginFor(null);
      setConnectFor(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [loginFor, connectFor]);
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={`pill ${enginePillClass}`} title={silentSince !== null ? `nothing from the engine since ${istClock(silentSince)} IST` : detail} data-testid="engine-connection">
        engine {enginePill}
      </span>
      {status?.feeds.map((f) => {
        const broker = feedBroker(f.feed, infos);
        if (!heard)
          return (
            <span key={f.feed} className="pill unknown" title="unknown while the engine does not answer" data-testid={`feed-${f.feed}`}>
              {f.feed} ?
            </span>
          );
        return (
          <span key={f.feed} className={`pill ${f.state}`} title={f.detail} data-testid={`feed-${f.feed}`}>
            {f.feed} {f.state === 'login-needed' ? 'login needed' : f.state}
            {f.state === 'login-needed' && broker && logsIn(broker) && (
              <button className="login" data-testid={`login-${broker.id}`} onClick={() => (desktop ? setConnectFor(broker.id) : setLoginFor(broker))}>
                Log in
              </button>
            )}
          </span>
        );
      })}
      {desktop && (
        <button className="login" data-testid="connect-broker" onClick={() => setConnectFor(recorded?.id)}>
          Connect broker
        </button>
      )}
      {connectFor !== null && desktop && <ConnectDialog bridge={desktop} initial={connectFor} onClose={() => setConnectFor(null)} />}
      {loginFor && !desktop && <LoginDialog info={loginFor} onClose={() => setLoginFor(null)} />}
      <span data-testid="ticks-per-second" title={status && !heard ? 'unknown while the engine does not answer' : undefined}>
        {status ? `${heard ? status.ticksPerSecond : '—'} ticks/s` : '— ticks/s'}
      </span>
      <span data-testid="journal-rows" title={status ? `${qtyFull(status.journalRows)} rows` : undefined}>
        {status ? `journal ${qty(status.journalRows)} rows` : ''}
      </span>
      {status && <Rejects status={status} />}
      <span data-testid="sink" className={status?.sink && status.sink.state !== 'connected' ? 'warn' : undefined} title={status?.sink?.detail || undefined}>
        {status?.sink
          ? `db ${status.sink.state}, ${status.sink.rowsPerSecond} rows/s${status.sink.backlogRows ? `, backlog ${qty(status.sink.backlogRows)} rows (${status.sink.backlogSeconds.toFixed(0)} s)` : ''}`
          : 'db: journal only'}
      </span>
      {downloads.map((t) => (
        <span key={t.id} className="task" data-testid="instruments-progress" data-done={String(t.done)}>
          {t.label} <progress max={1} value={t.done ? 1 : (t.fraction ?? undefined)} /> {t.detail}
          {t.done ? ', done' : ''}
        </span>
      ))}
      {status && downloads.length === 0 && (
        <button className="login" data-testid="refresh-instruments" title="Download the broker's instrument list again" onClick={refresh}>
          ↻ instruments
        </button>
      )}
      {refreshError && (
        <span className="down" data-testid="refresh-error">
          {refreshError}
        </span>
      )}
      {status && status.notices.length > 0 && (
        <span className="notice dim" title={status.notices.join('\n')} data-testid="engine-notice">
          {status.notices.at(-1)}
        </span>
      )}
      <span className="spacer" />
      <LayoutsMenu />
      <ThemeSwitch />
      {status?.simulated && !status.market ? (
        <span className="dim" data-testid="market-state" title="The simulator trades at any hour; a real broker's feed follows the exchange's hours">
          simulated market · always open
        </span>
      ) : (
        <MarketState state={status?.market ?? nseMarketState(now)} simulated={!!status?.simulated} />
      )}
      <span className="clock" data-testid="clock">
        {istClock(now)} IST
      </span>
    </footer>
  );
}

/** The exchange's session as the status bar says it: NSE's calendar (holidays, pre-open, closing). */
function MarketState({ state, simulated }: { state: { phase: SessionPhase; text: string }; simulated: boolean }) {
  return (
    <span className={state.phase === 'open' ? 'up' : 'dim'} data-testid="market-state" data-phase={state.phase}>
      {simulated ? `simulated · ${state.text}` : state.text}
    </span>
  );
}
