// Every column of a tick, described once: its name in the journal's ticks table, the Tick field it
// holds, its column and type in the sink (PostgreSQL/TimescaleDB) and its place in the CSV export.
// The journal's insert and reads, the replicator's COPY and INSERT and the CSV header are derived
// from this list; a column added here reaches all three.
import type { Tick } from '../../shared/model';

/**
 * How a journal value travels to the sink. 'instrument': the local id becomes the sink's id (the
 * replicator maps it). 'depth': the journal's book blob becomes six arrays (DEPTH_SINK_COLUMNS).
 */
export type SinkType = 'instrument' | 'timestamptz' | 'float8' | 'int8' | 'depth';

/**
 * Its place in a CSV row: 'time' cells come first (ISO time in IST), then the instrument's exchange
 * and symbol, then the 'value' cells, then the book's levels; null: not exported.
 */
export type CsvPlace = 'time' | 'value' | 'depth' | null;

export interface TickColumn {
  /** Column of the journal's ticks table (and the CSV header of a 'time' or 'value' cell). */
  readonly column: string;
  readonly field: keyof Tick;
  /** Column of the sink's ticks table ('depth': none, see DEPTH_SINK_COLUMNS). */
  readonly sink: string;
  readonly sinkType: SinkType;
  readonly csv: CsvPlace;
}

const col = (column: string, field: keyof Tick, sink: string, sinkType: SinkType, csv: CsvPlace): TickColumn => ({ column, field, sink, sinkType, csv });

/** In the journal's column order (the order of its INSERT and of Journal.ticksAfter rows after the id). */
export const TICK_COLUMNS: readonly TickColumn[] = [
  col('instrument_id', 'instrumentId', 'instrument_id', 'instrument', null),
  col('ts_exchange', 'tsExchange', 'ts', 'timestamptz', 'time'),
  col('ts_received', 'tsReceived', 'ts_received', 'timestamptz', 'time'),
  col('ltp', 'ltp', 'ltp', 'float8', 'value'),
  col('ltq', 'ltq', 'ltq', 'int8', 'value'),
  col('atp', 'atp', 'atp', 'float8', 'value'),
  col('volume', 'volume', 'volume', 'int8', 'value'),
  col('vol_delta', 'volDelta', 'vol_delta', 'int8', 'value'),
  col('oi', 'oi', 'oi', 'int8', 'value'),
  col('total_buy_qty', 'totalBuyQty', 'total_buy_qty', 'int8', 'value'),
  col('total_sell_qty', 'totalSellQty', 'total_sell_qty', 'int8', 'value'),
  col('open', 'open', 'open', 'float8', 'value'),
  col('high', 'high', 'high', 'float8', 'value'),
  col('low', 'low', 'low', 'float8', 'value'),
  col('close', 'close', 'close', 'float8', 'value'),
  col('bid', 'bid', 'bid', 'float8', null),
  col('ask', 'ask', 'ask', 'float8', null),
  col('bid_qty', 'bidQty', 'bid_qty', 'int8', null),
  col('ask_qty', 'askQty', 'ask_qty', 'int8', null),
  col('depth', 'depth5', '', 'depth', 'depth'),
];

/** The journal's tick columns, without the id. */
export const JOURNAL_TICK_COLUMNS: readonly string[] = TICK_COLUMNS.map((c) => c.column);

/** The sink's array columns of one book, in the journal blob's order (prices, qtys, orders per side). */
export const DEPTH_SINK_COLUMNS = ['bid_prices', 'bid_qtys', 'bid_orders', 'ask_prices', 'ask_qtys', 'ask_orders'] as const;

/** The sink's tick columns, in the order the replicator sends them: each journal column's, then the source. */
export const SINK_TICK_COLUMNS: readonly string[] = [...TICK_COLUMNS.flatMap((c) => (c.sinkType === 'depth' ? DEPTH_SINK_COLUMNS : [c.sink])), 'source_id'];
