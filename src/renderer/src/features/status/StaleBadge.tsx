// The badge a live panel shows when its data stopped being live: "stale since 10:41:07 IST", with
// the reason (engine disconnected or not responding, a feed down) on hover. The panel dims too.
import { useEffect, useRef } from 'react';
import { istClock } from '../../format';
import { useLiveState } from '../../store/app';

export function StaleBadge() {
  const state = useLiveState();
  const ref = useRef<HTMLDivElement>(null);
  // The panel (the badge's parent section) dims while stale: one class, no re-render of its rows.
  useEffect(() => {
    const panel = ref.current?.closest('.panel');
    panel?.classList.toggle('stale', state.stale);
  }, [state.stale]);
  return (
    <div ref={ref} className="stale-badge" data-testid="stale-badge" hidden={!state.stale} title={state.reason} role="status">
      {state.stale ? `stale${state.since ? ` since ${istClock(state.since)} IST` : ''} · ${state.reason}` : ''}
    </div>
  );
}
