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

/** Bit per letter (0–25) and per digit folded into bits 26–31: a cheap "could contain" test. */
function charMask(s: string): number {
  let m = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) m |= 1 << (c - 65);
    else if (c >= 48 && c <= 57) m |= 1 << (26 + ((c - 48) % 6));
  }
  return m >>> 0;
}

/**
 * 64 bits, one per hashed pair of adjacent characters (into `out` at `k`: low and high word). A
 * substring's pairs are all among its container's, so a missing bit rules a substring match out.
 */
function pairMask(s: string, out: Uint32Array, k: number): void {
  let lo = 0;
  let hi = 0;
  for (let i = 1; i < s.length; i++) {
    const b = (s.charCodeAt(i - 1) * 37 + s.charCodeAt(i)) & 63;
    if (b < 32) lo |= 1 << b;
    else hi |= 1 << (b - 32);
  }
  out[2 * k] = lo >>> 0;
  out[2 * k + 1] = hi >>> 0;
}

/** First position in `order` whose key is ≥ `text`. */
function lowerBound(order: Uint32Array, keys: readonly string[], text: string): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[order[mid]] < text) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const DERIVATIVE = 1;
const FUTURE = 2;

/**
 * Search over instrument lists of any size (Kite's ~100k rows) in a few milliseconds. Candidates
 * come in stages: exact and prefix matches from sorted symbol and name arrays (binary search), then
 * substring and fuzzy scans (behind a character-mask test) only while they can still reach the
 * top `limit`: a substring match scores at most 35 and a fuzzy one at most 15, so a scan is skipped
 * once `limit` candidates score above that. The ranking is the same as scoring every instrument.
 */
export class InstrumentIndex {
  private ins: Instrument[] = [];
  private symbols: string[] = [];
  private names: string[] = [];
  private flags = new Uint8Array(0);
  private masks = new Uint32Array(0);
  private symMasks = new Uint32Array(0);
  /** Pair masks of symbol and of name, two words each (see pairMask). */
  private symPairs = new Uint32Array(0);
  private namePairs = new Uint32Array(0);
  /** Tie-break order: expiry, strike, option type, symbol. */
  private rank = new Uint32Array(0);
  private bySymbol = new Uint32Array(0);
  private byName = new Uint32Array(0);
  /** Indices of every instrument, and of futures and options (what an F&O query scans). */
  private all = new Uint32Array(0);
  private derivatives = new Uint32Array(0);
  /** Where derivatives begin in `all` (cash and indices sort first: no expiry). */
  private cashCount = 0;
  private byId = new Map<number, Instrument>();
  /** Per-search scratch: which entries are already candidates (stamp = search number). */
  private seen = new Uint32Array(0);
  private stamp = 0;

  constructor(instruments: readonly Instrument[] = []) {
    this.replace(instruments);
  }

  replace(instruments: readonly Instrument[]): void {
    const n = instruments.length;
    this.ins = instruments.slice();
    this.symbols = instruments.map((i) => i.symbol.toUpperCase());
    this.names = instruments.map((i) => (i.name ?? '').toUpperCase());
    this.flags = new Uint8Array(n);
    this.masks = new Uint32Array(n);
    this.symMasks = new Uint32Array(n);
    this.symPairs = new Uint32Array(2 * n);
    this.namePairs = new Uint32Array(2 * n);
    for (let k = 0; k < n; k++) {
      pairMask(this.symbols[k], this.symPairs, k);
      pairMask(this.names[k], this.namePairs, k);
      const i = instruments[k];
      this.flags[k] = (i.expiry ? DERIVATIVE : 0) | (i.expiry && !i.optionType ? FUTURE : 0);
      this.symMasks[k] = charMask(this.symbols[k]);
      this.masks[k] = (this.symMasks[k] | charMask(this.names[k])) >>> 0;
    }
    const idx = Array.from({ length: n }, (_, k) => k);
    const tie = idx.slice().sort((a, b) => {
      const x = instruments[a];
      const y = instruments[b];
      return (x.expiry ?? '').localeCompare(y.expiry ?? '') || (x.strike ?? 0) - (y.strike ?? 0) || (x.optionType ?? '').localeCompare(y.optionType ?? '') || collator.compare(this.symbols[a], this.symbols[b]);
    });
    this.rank = new Uint32Array(n);
    tie.forEach((k, r) => (this.rank[k] = r));
    this.bySymbol = Uint32Array.from(idx.slice().sort((a, b) => cmp(this.symbols[a], this.symbols[b])));
    this.byName = Uint32Array.from(idx.filter((k) => this.names[k] !== '').sort((a, b) => cmp(this.names[a], this.names[b])));
    // Scans run in tie-break order: once the list is full, a later match of the same score cannot
    // enter it, so most are dismissed by one comparison before any string test.
    this.all = Uint32Array.from(tie);
    this.derivatives = Uint32Array.from(tie.filter((k) => this.flags[k] & DERIVATIVE));
    this.cashCount = n - this.derivatives.length;
    this.byId = new Map(instruments.map((i) => [i.id, i]));
    this.seen = new Uint32Array(n);
    this.stamp = 0;
  }

  get size(): number {
    return this.ins.length;
  }

  /** Every instrument, in the order given. */
  list(): readonly Instrument[] {
    return this.ins;
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

  private passes(k: number, q: ParsedQuery): boolean {
    const f = this.flags[k];
    if (!(f & DERIVATIVE)) return false;
    if (q.futures && !(f & FUTURE)) return false;
    const i = this.ins[k];
    if (q.optionType && i.optionType !== q.optionType) return false;
    if (q.strike !== undefined && i.strike !== q.strike) return false;
    if (q.expiry && i.expiry !== q.expiry) return false;
    if (q.month && Number(i.expiry!.slice(5, 7)) !== q.month) return false;
    return true;
  }

  /** The score every instrument would get (NaN = no match; a match may score ≤ 0 after the type adjustment). */
  private score(k: number, text: string, fuzzy: string, fno: boolean): number {
    const sym = this.symbols[k];
    const name = this.names[k];
    let score = 0;
    if (!text) score = 1;
    else if (sym === text || name === text) score = 100;
    else if (fno && name.startsWith(text)) score = 70;
    else if (sym.startsWith(text)) score = 80 - Math.min(20, sym.length - text.length) / 2;
    else if (name.startsWith(text)) score = 50;
    else if (sym.includes(text) || name.includes(text)) score = 30;
    else if (text.length >= 2 && subsequence(fuzzy, sym)) score = 10;
    if (score === 0) return NaN;
    // A plain-text query ranks cash instruments and indices first, then futures, then options.
    if (!fno) score += this.flags[k] & DERIVATIVE ? (this.flags[k] & FUTURE ? -20 : -30) : 5;
    return score;
  }

  private searchParsed(q: ParsedQuery, limit: number): Instrument[] {
    const text = q.text.join(' ');
    const fuzzy = text.replace(/ /g, '');
    const fno = q.optionType !== undefined || q.futures || q.strike !== undefined || q.month !== undefined || q.expiry !== undefined;
    if (++this.stamp === 0xffffffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    // The best `limit` so far, best first (score desc, then tie-break rank asc).
    const top: number[] = [];
    const topScore: number[] = [];
    const better = (s: number, k: number, j: number) => s > topScore[j] || (s === topScore[j] && this.rank[k] < this.rank[top[j]]);
    let above35 = 0;
    let above15 = 0;
    const withType = (k: number, base: number) => (fno ? base : base + (this.flags[k] & DERIVATIVE ? (this.flags[k] & FUTURE ? -20 : -30) : 5));
    // Later stages know the match category (30 substring, 10 fuzzy): skip the string test for an
    // instrument that could not enter the list even if it matched (only counting is lost, and
    // the counts only decide whether to run those very stages).
    const hopeless = (k: number, base: number) => top.length === limit && !better(withType(k, base), k, limit - 1);
    // In a plain-text scan the derivatives come last and score at least 20 below the category:
    // once the list is full of better ones, none of them can enter.
    const derivativesHopeless = (p: number, base: number) => !fno && p >= this.cashCount && top.length === limit && base - 20 < topScore[limit - 1];
    const consider = (k: number, base = 0) => {
      if (this.seen[k] === stamp) return;
      this.seen[k] = stamp;
      if (fno && !this.passes(k, q)) return;
      const s = base === 0 ? this.score(k, text, fuzzy, fno) : withType(k, base);
      if (Number.isNaN(s)) return;
      if (s > 35) above35++;
      if (s > 15) above15++;
      if (top.length === limit && !better(s, k, limit - 1)) return;
      let at = top.length;
      while (at > 0 && better(s, k, at - 1)) at--;
      top.splice(at, 0, k);
      topScore.splice(at, 0, s);
      if (top.length > limit) {
        top.pop();
        topScore.pop();
      }
    };
    const n = this.ins.length;
    if (!text) {
      for (let k = 0; k < n; k++) consider(k);
    } else {
      // Stage 1: exact and prefix matches on symbols and names.
      for (const [order, keys] of [[this.bySymbol, this.symbols], [this.byName, this.names]] as const)
        for (let p = lowerBound(order, keys, text); p < order.length && keys[order[p]].startsWith(text); p++) consider(order[p]);
      // Stage 2: substrings (≤ 35 points), only while they can still make the list.
      const need = charMask(text);
      const pairs = new Uint32Array(2);
      pairMask(text, pairs, 0);
      const [plo, phi] = pairs;
      const couldContain = (m: Uint32Array, k: number) => ((m[2 * k] & plo) >>> 0) === plo && ((m[2 * k + 1] & phi) >>> 0) === phi;
      // An F&O query only ever matches futures and options: scan just those.
      const scan = fno ? this.derivatives : this.all;
      if (above35 < limit)
        for (let p = 0; p < scan.length; p++) {
          if (derivativesHopeless(p, 30)) break;
          const k = scan[p];
          if (((this.masks[k] & need) >>> 0) !== need || this.seen[k] === stamp || hopeless(k, 30)) continue;
          // Not exact and no prefix (stage 1 saw those): a substring match scores 30.
          if ((couldContain(this.symPairs, k) && this.symbols[k].includes(text)) || (couldContain(this.namePairs, k) && this.names[k].includes(text))) consider(k, 30);
        }
      // Stage 3: fuzzy subsequences of the symbol (≤ 15 points).
      const needFuzzy = charMask(fuzzy);
      if (above15 < limit && text.length >= 2)
        for (let p = 0; p < scan.length; p++) {
          if (derivativesHopeless(p, 10)) break;
          const k = scan[p];
          if (((this.symMasks[k] & needFuzzy) >>> 0) !== needFuzzy || this.seen[k] === stamp || hopeless(k, 10)) continue;
          if (subsequence(fuzzy, this.symbols[k])) consider(k, 10);
        }
    }
    return top.map((k) => this.ins[k]);
  }
}

const collator = new Intl.Collator();

/** Plain code-unit order (what < on strings does), for binary search. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
