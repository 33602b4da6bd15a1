// Byte-level BPE training: learns the merges that byteLevelTokenizer(merges) turns into an HF
// tokenizer.json. Pre-tokenizes with GPT-2's regex (what the ByteLevel pre-tokenizer applies before
// the merges, so no merge is learned across a piece boundary), counts the distinct pieces, then
// repeatedly merges the most frequent adjacent pair. Pair counts are updated only for the pieces
// that hold the merged pair, and the best pair comes from a max-heap with stale entries skipped, so
// a merge costs the size of what it touches, not of the corpus.
import { byteToUnicode } from './byte-map.js';
import { QWEN_SPECIAL_TOKENS } from './byte-tokenizer.js';

export const GPT2_PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export interface BpeTrainOptions {
  /** Ids in the finished tokenizer: 256 bytes + merged tokens + the 3 special tokens. */
  vocabSize: number;
  /** Never merge a digit with anything, so numbers stay one token per digit (as in Qwen). Default true. */
  splitDigits?: boolean;
  /** Pairs seen fewer times than this are never merged (training may stop short of vocabSize). Default 2. */
  minFrequency?: number;
}

interface Piece {
  symbols: number[];
  count: number;
}

/**
 * Merges, in order, as pairs of vocabulary strings (GPT-2's byte→unicode alphabet). Ties between
 * equally frequent pairs go to the pair whose (left, right) ids are smallest, so training is
 * deterministic for a corpus.
 */
export function trainBpe(texts: Iterable<string>, options: BpeTrainOptions): [string, string][] {
  const strings = byteToUnicode();
  const idOf = new Map(strings.map((s, i) => [s, i]));
  const mergeable = strings.map((s) => !(options.splitDigits ?? true) || !/\d/.test(s));
  const pieces = countPieces(texts);
  const pairs = new PairTable(pieces);
  const heap = new PairHeap();
  for (const [key, count] of pairs.counts) heap.push(count, key);
  const merges: [string, string][] = [];
  const target = options.vocabSize - QWEN_SPECIAL_TOKENS.length;
  const minFrequency = options.minFrequency ?? 2;
  while (idOf.size < target) {
    const best = heap.popValid(pairs.counts, (key) => mergeable[pairKeyLeft(key)]! && mergeable[pairKeyRight(key)]!);
    if (best === null || best.count < minFrequency) break;
    const [a, b] = [pairKeyLeft(best.key), pairKeyRight(best.key)];
    const merged = strings[a]! + strings[b]!;
    let id = idOf.get(merged);
    if (id === undefined) {
      id = strings.push(merged) - 1;
      idOf.set(merged, id);
      mergeable.push(mergeable[a]! && mergeable[b]!);
    }
    merges.push([strings[a]!, strings[b]!]);
    for (const key of pairs.merge(best.key, id)) heap.push(pairs.counts.get(key) ?? 0, key);
  }
  return merges;
}

function countPieces(texts: Iterable<string>): Piece[] {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const match of text.matchAll(GPT2_PRETOKENIZE)) counts.set(match[0], (counts.get(match[0]) ?? 0) + 1);
  }
  const encoder = new TextEncoder();
  // Sorted so that piece order, and with it every later step, does not depend on input order.
  return [...counts.keys()].sort().map((text) => ({ symbols: [...encoder.encode(text)], count: counts.get(text)! }));
}

const pairKey = (a: number, b: number): number => a * 65536 + b;
const pairKeyLeft = (key: number): number => Math.floor(key / 65536);
const pairKeyRight = (key: number): number => key % 65536;

/** Count of every adjacent pair over all pieces, and which pieces may hold each pair. */
class PairTable {
  readonly counts = new Map<number, number>();
  private readonly where = new Map<number, Set<number>>();

  constructor(private readonly pieces: Piece[]) {
    pieces.forEach((piece, index) => this.add(piece, index, 1));
  }

  /** Replaces every (a,b) by `id`; returns the pairs whose count changed. */
  merge(key: number, id: number): Set<number> {
    const changed = new Set<number>();
    const [a, b] = [pairKeyLeft(key), pairKeyRight(key)];
    for (const index of this.where.get(key) ?? []) {
      const piece = this.pieces[index]!;
      if (!holdsPair(piece.symbols, a, b)) continue;
      this.add(piece, index, -1, changed);
      piece.symbols = mergePair(piece.symbols, a, b, id);
      this.add(piece, index, 1, changed);
    }
    this.where.delete(key);
    this.counts.delete(key);
    changed.delete(key);
    return changed;
  }

  private add(piece: Piece, index: number, sign: 1 | -1, changed?: Set<number>): void {
    const s = piece.symbols;
    for (let i = 0; i + 1 < s.length; i++) {
      const key = pairKey(s[i]!, s[i + 1]!);
      const count = (this.counts.get(key) ?? 0) + sign * piece.count;
      if (count > 0) this.counts.set(key, count);
      else this.counts.delete(key);
      changed?.add(key);
      // Stale entries (a piece that no longer holds the pair) are skipped by merge, not removed.
      if (sign > 0) {
        let set = this.where.get(key);
        if (!set) this.where.set(key, (set = new Set()));
        set.add(index);
      }
    }
  }
}

function holdsPair(s: readonly number[], a: number, b: number): boolean {
  for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) return true;
  return false;
}

/** Left to right, non-overlapping, as BPE applies a merge. */
function mergePair(s: readonly number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
      out.push(id);
      i++;
    } else out.push(s[i]!);
  }
  return out;
}

/** Max-heap of (count, pair) with the smaller pair key first among equal counts; entries go stale. */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];

  push(count: number, key: number): void {
    if (count <= 0) return;
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The best entry whose count is current and that `allowed` accepts; null when none is left. */
  popValid(current: ReadonlyMap<number, number>, allowed: (key: number) => boolean): { count: number; key: number } | null {
    while (this.counts.length > 0) {
      const top = { count: this.counts[0]!, key: this.keys[0]! };
      this.pop();
      if (current.get(top.key) === top.count && allowed(top.key)) return top;
    }
    return null;
  }

  private pop(): void {
    const last = this.counts.length - 1;
    this.swap(0, last);
    this.counts.pop();
    this.keys.pop();
    let i = 0;
    for (;;) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let best = i;
      if (l < this.counts.length && this.above(l, best)) best = l;
      if (r < this.counts.length && this.above(r, best)) best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }

  private above(i: number, j: number): boolean {
    return this.counts[i]! > this.counts[j]! || (this.counts[i] === this.counts[j] && this.keys[i]! < this.keys[j]!);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j]!, this.counts[i]!];
    [this.keys[i], this.keys[j]] = [this.keys[j]!, this.keys[i]!];
  }
}
