// Renderer entry: the workstation layout. Data arrives over the bridge (see engine-link.ts).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Chart } from './features/chart/Chart';
import { Ladder } from './features/depth/Ladder';
import { StatusBar } from './features/status/StatusBar';
import { Tape } from './features/tape/Tape';
import { Watchlist } from './features/watchlist/Watchlist';
import { connectEngine } from './engine-link';
import './styles.css';

function App() {
  return (
    <div className="app">
      <Watchlist />
      <Chart />
      <div className="right">
        <Ladder />
        <Tape />
      </div>
      <StatusBar />
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void connectEngine();
