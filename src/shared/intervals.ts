// Candle intervals and their lengths, without the schema library: the page's first script (the
// engine connection, the stores) needs these and nothing else from model.ts, whose zod schemas
// would otherwise ride along in it. model.ts builds its CandleInterval schema from this list.

export const CANDLE_INTERVALS = ['1s', '1m', '3m', '5m', '10m', '15m', '25m', '30m', '1h', '1d'] as const;

export const INTERVAL_SECONDS: Record<(typeof CANDLE_INTERVALS)[number], number> = {
  '1s': 1,
  '1m': 60,
  '3m': 180,
  '5m': 300,
  '10m': 600,
  '15m': 900,
  '25m': 1500,
  '30m': 1800,
  '1h': 3600,
  '1d': 86400,
};
