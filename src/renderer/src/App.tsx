// The workstation layout (watchlist | chart | ladder over tape, resizable, sizes remembered) with
// the keyboard and the status bar. Data arrives over the bridge (engine-link.ts), which main.tsx
// starts before this module (React, the chart library and every panel) has even loaded.
import { memo, StrictMode, useEffect, useState, type CSSProperties } from 'react';
import { createRoot } from 'react-dom/client';
import { Chart } from './features/chart/Chart';
import { Ladder } from './features/depth/Ladder';
import { Keys } from './features/keys/Keys';
import { fitShare, fitWidths } from './features/layout/sizes';
import { Splitter } from './features/layout/Splitter';
import { StatusBar } from './features/status/StatusBar';
import { TokenBanner } from './features/status/TokenBanner';
import { Tape } from './features/tape/Tape';
import { Watchlist } from './features/watchlist/Watchlist';
import { useLayout } from './store/layout';

// The panels take no props: a drag of a splitter re-lays the grid without re-rendering them.
const WatchlistPanel = memo(Watchlist);
const ChartPanel = memo(Chart);
const LadderPanel = memo(Ladder);
const TapePanel = memo(Tape);
const Status = memo(StatusBar);

function useWindowWidth(): number {
  const [w, setW] = useState(window.innerWidth);
  useEffect(() => {
    const on = () => setW(window.innerWidth);
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return w;
}

function App() {
  const width = useWindowWidth();
  const layout = useLayout();
  const { watch, right } = fitWidths(width, { watch: layout.watchWidth, right: layout.rightWidth });
  const share = fitShare(layout.ladderShare);
  const style = { '--watch-w': `${watch}px`, '--right-w': `${right}px` } as CSSProperties;
  return (
    <div className="app" style={style}>
      <WatchlistPanel />
      <Splitter
        axis="col"
        label="Watchlist width"
        testId="split-watch"
        start={() => watch}
        resize={(d, s) => layout.setWatchWidth(fitWidths(window.innerWidth, { watch: s + d, right }).watch)}
        reset={() => layout.setWatchWidth(null)}
      />
      <ChartPanel />
      <Splitter
        axis="col"
        label="Depth and tape width"
        testId="split-right"
        start={() => right}
        resize={(d, s) => layout.setRightWidth(fitWidths(window.innerWidth, { watch, right: s - d }).right)}
        reset={() => layout.setRightWidth(null)}
      />
      <div className="right" style={{ gridTemplateRows: `minmax(0, ${share}fr) 5px minmax(0, ${1 - share}fr)` }}>
        <LadderPanel />
        <Splitter
          axis="row"
          label="Depth and tape heights"
          testId="split-ladder"
          start={() => share}
          resize={(d, s) => {
            const h = document.querySelector('.app > .right')?.clientHeight ?? 600;
            layout.setLadderShare(fitShare(s + d / h));
          }}
          reset={() => layout.setLadderShare(0.6)}
        />
        <TapePanel />
      </div>
      <Status />
      <Keys />
      <TokenBanner />
    </div>
  );
}

/** Renders the workstation into `el`. */
export function mountApp(el: HTMLElement): void {
  createRoot(el).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
