// Renderer entry. The page's first script is small (the theme, the stores, the engine connection):
// it connects to the engine and asks for the watchlist's quotes and the chart's history while the
// workstation's own script (React, the chart library, every panel: App.tsx) is still loading and
// compiling, instead of after it. What arrives first waits in the stores and live.ts for the
// panels, which read it when they mount.
import { connectEngine } from './engine-link';
import { installTheme } from './theme';
import './styles.css';

installTheme(); // <html data-theme> and the palette's custom properties, before the first paint
void connectEngine();
void import('./App').then(({ mountApp }) => mountApp(document.getElementById('root')!));
