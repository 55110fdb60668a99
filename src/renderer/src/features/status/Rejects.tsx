// The pipeline's rejects in the status bar: the count (hover: by reason and the worst instruments),
// and on click a popover with every reason and the instruments with the most rejects.
import type { EngineStatus, RejectReason } from '../../../../shared/api';
import { qty } from '../../format';
import { useApp } from '../../store/app';
import './rejects.css';

const REASONS: Array<[RejectReason, string]> = [
  ['band', 'price band'],
  ['timestamp', 'timestamp'],
  ['nonFinite', 'non-finite price'],
  ['nonPositive', 'price ≤ 0'],
];

/** "price band 2, timestamp 1": the reasons with rejects, most first. */
function byReason(counts: Record<RejectReason, number>): string {
  return REASONS.filter(([r]) => counts[r] > 0)
    .sort(([a], [b]) => counts[b] - counts[a])
    .map(([r, label]) => `${label} ${counts[r]}`)
    .join(', ');
}

function withMoves(counts: Record<RejectReason, number>, reanchored: number): string {
  const moved = reanchored > 0 ? `; band re-anchored ${reanchored}×` : '';
  return `${byReason(counts)}${moved}`;
}

export function Rejects({ status }: { status: EngineStatus }) {
  // Open state in the store: Esc closes the popover like any other overlay.
  const open = useApp((s) => s.overlays.includes('rejects'));
  const toggle = useApp((s) => s.toggle);
  const close = useApp((s) => s.close);
  const top = status.rejectsByInstrument;
  const more = status.instrumentsWithRejects - top.length;
  const title =
    status.rejects === 0
      ? 'No ticks rejected'
      : [`${status.rejects} ticks rejected: ${withMoves(status.rejectsByReason, status.bandReanchors)}`, ...top.slice(0, 5).map((r) => `${r.symbol}: ${r.total} (${withMoves(r.byReason, r.reanchored)})`)].join('\n');
  return (
    <>
      <button
        className={`rejects ${status.rejects > 0 ? 'some' : ''}`}
        data-testid="rejects"
        data-rejects={status.rejects}
        title={title}
        onClick={() => toggle('rejects')}
      >
        rejects {qty(status.rejects)}
      </button>
      {open && (
        <div className="rejects-popover" role="dialog" aria-label="Rejected ticks" data-testid="rejects-popover">
          <header>
            <span className="title">Rejected ticks</span>
            <button className="close" onClick={() => close('rejects')} title="Close">
              ×
            </button>
          </header>
          {status.rejects === 0 && status.bandReanchors === 0 ? (
            <p className="dim">No ticks rejected.</p>
          ) : (
            <>
              <table data-testid="rejects-by-reason">
                <tbody>
                  {REASONS.filter(([r]) => status.rejectsByReason[r] > 0).map(([r, label]) => (
                    <tr key={r} data-reason={r}>
                      <td>{label}</td>
                      <td className="num">{status.rejectsByReason[r]}</td>
                    </tr>
                  ))}
                  {status.bandReanchors > 0 && (
                    <tr data-reason="reanchored">
                      <td title="Prices that agreed with each other outside the band, taken as a real jump">band re-anchored</td>
                      <td className="num">{status.bandReanchors}</td>
                    </tr>
                  )}
                </tbody>
              </table>
              <table data-testid="rejects-by-instrument">
                <thead>
                  <tr>
                    <th>instrument</th>
                    <th className="num">rejects</th>
                    <th>why</th>
                  </tr>
                </thead>
                <tbody>
                  {top.map((r) => (
                    <tr key={r.instrumentId} data-symbol={r.symbol} data-total={r.total}>
                      <td>{r.symbol}</td>
                      <td className="num">{r.total}</td>
                      <td>{withMoves(r.byReason, r.reanchored)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {more > 0 && <p className="dim">and {more} more instruments</p>}
            </>
          )}
        </div>
      )}
    </>
  );
}
