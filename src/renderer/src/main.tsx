// Renderer entry. The workstation (watchlist, chart, ladder) lands with the UI issue; for now the
// window shows what the engine reports, which proves the process wiring end to end.
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

interface Bridge {
  onEngineStatus(fn: (msg: unknown) => void): () => void;
}

declare global {
  interface Window {
    tickdesk?: Bridge;
  }
}

function App() {
  const [status, setStatus] = useState<unknown>(null);
  useEffect(() => window.tickdesk?.onEngineStatus(setStatus), []);
  return (
    <main style={{ fontFamily: 'ui-monospace, monospace', color: '#d1d4dc', background: '#0b0e11', minHeight: '100vh', padding: 16 }}>
      <h1 style={{ fontSize: 18 }}>Tickdesk</h1>
      <pre>{status ? JSON.stringify(status, null, 2) : 'waiting for the engine…'}</pre>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
