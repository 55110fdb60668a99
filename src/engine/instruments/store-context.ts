// What an adapter is lent to fill the journal (brokers/types.ts StoreContext): this journal, and the
// master import and backfill bound to it. brokers/ sits below instruments/ and backfill.ts, so the
// recorder and `tickdesk backfill` hand these down instead of the adapters importing them.
import type { StoreContext } from '../brokers/types';
import { backfill } from '../backfill';
import type { Journal } from '../store/journal';
import { importMaster } from './master';

export function storeContext(journal: Journal): StoreContext {
  return {
    journal,
    importMaster: (format, opts) => importMaster(journal, format, opts),
    backfill: (broker, fetch, req) => backfill(journal, broker, fetch, req),
  };
}
