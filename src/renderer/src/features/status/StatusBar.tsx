// Connection per feed (with "login needed"), ticks/s, journal rows, sink, IST clock, market state.
import { useEffect, useState } from 'react';
import { istClock, marketOpen, qty } from '../../format';
import { useApp } from '../../store/app';

export function StatusBar() {
  const status = useApp((s) => s.status);
  const connection = useApp((s) => s.connection);
  const detail = useApp((s) => s.connectionDetail);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={`pill ${connection}`} title={detail} data-testid="engine-connection">
        engine {connection}
      </span>
      {status?.feeds.map((f) => (
        <span key={f.feed} className={`pill ${f.state}`} title={f.detail} data-testid={`feed-${f.feed}`}>
          {f.feed} {f.state === 'login-needed' ? 'login needed' : f.state}
        </span>
      ))}
      <span data-testid="ticks-per-second">{status ? `${status.ticksPerSecond} ticks/s` : ''}</span>
      <span data-testid="journal-rows">{status ? `journal ${qty(status.journalRows)} rows` : ''}</span>
      <span>
        {status?.sink
          ? `db ${status.sink.state}, ${status.sink.rowsPerSecond} rows/s${status.sink.backlogRows ? `, backlog ${qty(status.sink.backlogRows)} rows (${status.sink.backlogSeconds.toFixed(0)} s)` : ''}`
          : 'db: journal only'}
      </span>
      <span className="spacer" />
      <span className={marketOpen(now) ? 'up' : 'dim'}>{marketOpen(now) ? 'market open' : 'market closed'}</span>
      <span className="clock" data-testid="clock">
        {istClock(now)} IST
      </span>
    </footer>
  );
}
