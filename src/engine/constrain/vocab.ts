// Each token id's output bytes and a preorder byte trie over them, so one mask walk shares every prefix.
import type { Tokenizer } from '../../io/tokenizer.js';
import { byteToUnicode } from '../../io/byte-map.js';
import { ConstraintError } from './errors.js';

const cache = new WeakMap<Tokenizer, ConstraintVocab>();

export class ConstraintVocab {
  /** Trie nodes in preorder (node 0 is the root): a subtree is the range [i, i + size[i]). */
  readonly byte: Uint8Array;
  readonly depth: Int32Array;
  readonly size: Int32Array;
  /** First token ending at a node (-1 none), and the next token with the same bytes. */
  readonly tokenAt: Int32Array;
  readonly sameNext: Int32Array;
  readonly maxDepth: number;
  /** 1 for tokens made of JSON whitespace only. */
  readonly whitespace: Uint8Array;

  constructor(readonly tokens: readonly (Uint8Array | null)[], readonly eosIds: readonly number[]) {
    const t = buildTrie(tokens);
    this.byte = t.byte; this.depth = t.depth; this.size = t.size; this.tokenAt = t.tokenAt; this.sameNext = t.sameNext; this.maxDepth = t.maxDepth;
    this.whitespace = Uint8Array.from(tokens, (b) => (b && b.length > 0 && b.every((x) => x === 0x20 || x === 0x0a || x === 0x0d || x === 0x09) ? 1 : 0));
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  static fromTokenizer(tok: Tokenizer): ConstraintVocab {
    let vocab = cache.get(tok);
    if (!vocab) cache.set(tok, (vocab = new ConstraintVocab(tokenBytes(tok), tok.eosTokenIds)));
    return vocab;
  }
}

/** Bytes of each id: byte-level BPE undone; added tokens as their text; special tokens null. */
function tokenBytes(tok: Tokenizer): (Uint8Array | null)[] {
  const fromChar = new Map(byteToUnicode().map((c, b) => [c, b]));
  const added = tok.addedTokens();
  const enc = new TextEncoder();
  const out: (Uint8Array | null)[] = [];
  for (let id = 0; id < tok.vocabSize; id++) {
    const a = added.get(id);
    if (a) { out.push(a.special ? null : enc.encode(a.content)); continue; }
    const piece = tok.idToToken(id);
    if (piece === undefined) { out.push(null); continue; }
    const bytes = [...piece].map((c) => fromChar.get(c));
    if (bytes.some((b) => b === undefined)) throw new ConstraintError(`token ${id} (${JSON.stringify(piece)}) is not byte-level BPE; constrained decoding needs a byte-level tokenizer`);
    out.push(Uint8Array.from(bytes as number[]));
  }
  return out;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function buildTrie(tokens: readonly (Uint8Array | null)[]) {
  const ids = tokens.flatMap((t, id) => (t && t.length > 0 ? [id] : []));
  ids.sort((x, y) => compare(tokens[x]!, tokens[y]!));
  const byte = [0], depth = [0], size = [0], tokenAt = [-1];
  const sameNext = new Int32Array(tokens.length).fill(-1);
  const path = [0];
  let prev: Uint8Array = new Uint8Array(0);
  const closeTo = (d: number) => { for (let k = path.length - 1; k > d; k--) size[path[k]] = byte.length - path[k]; path.length = d + 1; };
  for (const id of ids) {
    const tb = tokens[id]!;
    let l = 0;
    while (l < prev.length && l < tb.length && prev[l] === tb[l]) l++;
    closeTo(l);
    for (let d = l + 1; d <= tb.length; d++) {
      path.push(byte.length);
      byte.push(tb[d - 1]); depth.push(d); size.push(0); tokenAt.push(-1);
    }
    const node = path[tb.length];
    sameNext[id] = tokenAt[node];
    tokenAt[node] = id;
    prev = tb;
  }
  closeTo(-1);
  return { byte: Uint8Array.from(byte), depth: Int32Array.from(depth), size: Int32Array.from(size), tokenAt: Int32Array.from(tokenAt), sameNext, maxDepth: depth.reduce((m, d) => Math.max(m, d), 0) };
}
