// Instrument search: symbol prefix, fuzzy subsequence, and F&O by underlying, expiry, strike and
// option type ("NIFTY 24500 CE", "BANKNIFTY FUT", "nifty dec 24000 pe").
import type { Instrument } from '../../shared/model';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

export interface ParsedQuery {
  text: string[];
  optionType?: 'CE' | 'PE';
  futures: boolean;
  strike?: number;
  /** 1–12 */
  month?: number;
  expiry?: string;
}

export function parseQuery(query: string): ParsedQuery {
  const q: ParsedQuery = { text: [], futures: false };
  const words = query.toUpperCase().trim().split(/[\s:]+/).filter(Boolean);
  for (const [i, w] of words.entries()) {
    if (w === 'CE' || w === 'CALL') q.optionType = 'CE';
    else if (w === 'PE' || w === 'PUT') q.optionType = 'PE';
    else if (w === 'FUT' || w === 'FUTURES') q.futures = true;
    else if (/^\d{4}-\d{2}-\d{2}$/.test(w)) q.expiry = w;
    else if (i > 0 && /^\d+(\.\d+)?$/.test(w)) q.strike = Number(w);
    else if (i > 0 && MONTHS.includes(w)) q.month = MONTHS.indexOf(w) + 1;
    else q.text.push(w);
  }
  return q;
}

/** True when every character of `needle` appears in `hay` in order. */
function subsequence(needle: string, hay: string): boolean {
  let j = 0;
  for (let i = 0; i < hay.length && j < needle.length; i++) if (hay.charCodeAt(i) === needle.charCodeAt(j)) j++;
  return j === needle.length;
}

interface Entry {
  ins: Instrument;
  symbol: string;
  name: string;
  isDerivative: boolean;
  isFuture: boolean;
}

export class InstrumentIndex {
  private entries: Entry[] = [];
  private byId = new Map<number, Instrument>();

  constructor(instruments: readonly Instrument[] = []) {
    this.replace(instruments);
  }

  replace(instruments: readonly Instrument[]): void {
    this.entries = instruments.map((ins) => ({
      ins,
      symbol: ins.symbol.toUpperCase(),
      name: (ins.name ?? '').toUpperCase(),
      isDerivative: !!ins.expiry,
      isFuture: !!ins.expiry && !ins.optionType,
    }));
    this.byId = new Map(instruments.map((i) => [i.id, i]));
  }

  get size(): number {
    return this.entries.length;
  }

  get(id: number): Instrument | undefined {
    return this.byId.get(id);
  }

  /**
   * Best matches first. A query read as F&O ("NIFTY 50" → strike 50) that finds nothing is tried
   * again as plain text, so index names with numbers still match.
   */
  search(query: string, limit = 50): Instrument[] {
    const parsed = parseQuery(query);
    const hits = this.searchParsed(parsed, limit);
    if (hits.length > 0 || parsed.text.length === 0) return hits;
    const words = query.toUpperCase().trim().split(/\s+/).filter(Boolean);
    return words.length > 1 ? this.searchParsed({ text: [words.join(' ')], futures: false }, limit) : hits;
  }

  private searchParsed(q: ParsedQuery, limit: number): Instrument[] {
    const text = q.text.join(' ');
    const fno = q.optionType !== undefined || q.futures || q.strike !== undefined || q.month !== undefined || q.expiry !== undefined;
    const scored: Array<{ e: Entry; score: number }> = [];
    for (const e of this.entries) {
      if (fno) {
        if (!e.isDerivative) continue;
        if (q.futures && !e.isFuture) continue;
        if (q.optionType && e.ins.optionType !== q.optionType) continue;
        if (q.strike !== undefined && e.ins.strike !== q.strike) continue;
        if (q.expiry && e.ins.expiry !== q.expiry) continue;
        if (q.month && Number(e.ins.expiry!.slice(5, 7)) !== q.month) continue;
      }
      let score = 0;
      if (!text) score = 1;
      else if (e.symbol === text || e.name === text) score = 100;
      else if (fno && e.name.startsWith(text)) score = 70;
      else if (e.symbol.startsWith(text)) score = 80 - Math.min(20, e.symbol.length - text.length) / 2;
      else if (e.name.startsWith(text)) score = 50;
      else if (e.symbol.includes(text) || e.name.includes(text)) score = 30;
      else if (text.length >= 2 && subsequence(text.replace(/ /g, ''), e.symbol)) score = 10;
      if (score === 0) continue;
      // A plain-text query ranks cash instruments and indices first, then futures, then options.
      if (!fno) score += e.isDerivative ? (e.isFuture ? -20 : -30) : 5;
      scored.push({ e, score });
    }
    scored.sort(
      (a, b) =>
        b.score - a.score ||
        (a.e.ins.expiry ?? '').localeCompare(b.e.ins.expiry ?? '') ||
        (a.e.ins.strike ?? 0) - (b.e.ins.strike ?? 0) ||
        (a.e.ins.optionType ?? '').localeCompare(b.e.ins.optionType ?? '') ||
        a.e.symbol.localeCompare(b.e.symbol),
    );
    return scored.slice(0, limit).map((s) => s.e.ins);
  }
}
