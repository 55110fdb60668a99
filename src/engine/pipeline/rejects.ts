// Rejects as text, for the CLI: by reason on the progress line, by instrument at the end of a run.
import type { InstrumentRejects, RejectReason } from '../../shared/api';
import { REJECT_REASONS } from './pipeline';

const LABEL: Record<RejectReason, string> = { band: 'band', timestamp: 'timestamp', nonFinite: 'non-finite', nonPositive: 'non-positive' };

/** "band 2, timestamp 1": the reasons with rejects, most first. */
function byReason(counts: Record<RejectReason, number>): string {
  return REJECT_REASONS.filter((r) => counts[r] > 0)
    .sort((a, b) => counts[b] - counts[a])
    .map((r) => `${LABEL[r]} ${counts[r]}`)
    .join(', ');
}

/** "rejects 0", or "rejects 3 (band 2, timestamp 1)" with "; 1 band re-anchored" when bands moved. */
export function rejectsSummary(counts: Record<RejectReason, number>, reanchored: number): string {
  const total = REJECT_REASONS.reduce((n, r) => n + counts[r], 0);
  const moved = reanchored > 0 ? `${total > 0 ? '; ' : ''}${reanchored} band re-anchored` : '';
  return total === 0 && !moved ? 'rejects 0' : `rejects ${total} (${byReason(counts)}${moved})`;
}

/**
 * "rejects by instrument: NFO:NIFTY24DEC23500PE 63 (band 63; 2 band re-anchored), NSE:INFY 2
 * (timestamp 2), and 3 more", or null when no instrument has any.
 */
export function rejectsByInstrumentText(top: readonly InstrumentRejects[], instrumentsWithRejects: number): string | null {
  if (top.length === 0) return null;
  const listed = top.map((r) => `${r.symbol} ${rejectsSummary(r.byReason, r.reanchored).slice('rejects '.length)}`).join(', ');
  const more = instrumentsWithRejects > top.length ? `, and ${instrumentsWithRejects - top.length} more` : '';
  return `rejects by instrument: ${listed}${more}`;
}
