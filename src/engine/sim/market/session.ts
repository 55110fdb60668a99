// Which of NSE's session patterns (shared/nse-calendar.ts) a simulated instrument trades in, and
// its day's closing price: what the live model and the history candles both need to follow the
// exchange's day.
import { addDays, isTradingDay, sessionWindows, type SessionKind } from '../../../shared/nse-calendar';
import { monthlyExpiryOf } from './expiry';
import { roundToTick } from './pricing';

/** What decides an instrument's sessions. */
export interface SessionInstrument {
  segment: string;
  exchange: string;
  instrumentType: 'EQ' | 'FUT' | 'CE' | 'PE';
  expiry?: string;
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/**
 * A future in the F&O pre-open on `day`: the current month's contract, and the next month's during
 * the current one's last five trading days (NSE's circular for the pre-open in F&O).
 */
export function inFuturesPreOpen(expiry: string | undefined, day: string): boolean {
  if (!expiry || expiry < day) return false;
  let near = day.slice(0, 7);
  if (monthlyExpiryOf(near) < day) near = nextMonth(near);
  const month = expiry.slice(0, 7);
  if (month === near) return true;
  if (month !== nextMonth(near)) return false;
  let left = 0; // trading days from `day` to the near month's expiry, both counted
  for (let d = day; d <= monthlyExpiryOf(near) && left <= 5; d = addDays(d, 1)) if (isTradingDay(d)) left++;
  return left <= 5;
}

/** The session pattern an instrument trades in on `day`. */
export function sessionKindOf(ins: SessionInstrument, day: string): SessionKind {
  if (ins.segment === 'INDICES') return 'index';
  if (ins.exchange === 'CDS' || ins.exchange === 'BCD') return 'currency';
  if (ins.exchange === 'MCX') return 'commodity';
  if (ins.instrumentType === 'EQ') return 'cash';
  if (ins.instrumentType === 'FUT' && inFuturesPreOpen(ins.expiry, day)) return 'futures';
  return 'derivatives';
}

/**
 * The closing price of `day` from a price function on the tick: the mean of the prices at each
 * minute of the continuous session's last 30 minutes, on the tick (NSE's close is the last half
 * hour's volume-weighted average; the simulator's volume is even enough to leave out); an option's
 * is its last price. Undefined when the instrument does not trade that day.
 */
export function closingPrice(priceAt: (ms: number) => number, ins: SessionInstrument, day: string, tick: number): number | undefined {
  const open = sessionWindows(day, sessionKindOf(ins, day)).find((w) => w.phase === 'open');
  if (!open) return undefined;
  if (ins.instrumentType === 'CE' || ins.instrumentType === 'PE') return priceAt(open.end);
  let sum = 0;
  let n = 0;
  for (let t = Math.max(open.start, open.end - 30 * 60_000); t < open.end; t += 60_000, n++) sum += priceAt(t);
  return roundToTick(sum / n, tick);
}
