// Display formatting: prices by tick size, compact quantities, IST times.
import { IST_MS, marketOpen } from '../../shared/ist';

export { marketOpen };

export function istClock(ms: number): string {
  return new Date(ms + IST_MS).toISOString().slice(11, 19);
}

export function istTime(ms: number): string {
  return new Date(ms + IST_MS).toISOString().slice(11, 23);
}

export function decimalsFor(tickSize: number): number {
  if (!(tickSize > 0)) return 2;
  return Math.min(6, Math.max(2, Math.ceil(-Math.log10(tickSize) - 1e-9)));
}

export function price(v: number | undefined, decimals = 2): string {
  return v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(decimals);
}

export function qty(v: number | undefined): string {
  if (v === undefined) return '—';
  if (v >= 1e7) return (v / 1e7).toFixed(v >= 1e9 ? 0 : 1) + 'Cr';
  if (v >= 1e5) return (v / 1e5).toFixed(1) + 'L';
  if (v >= 1e3) return (v / 1e3).toFixed(1) + 'K';
  return String(v);
}

export function pct(v: number | undefined): string {
  return v === undefined ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}%`;
}

