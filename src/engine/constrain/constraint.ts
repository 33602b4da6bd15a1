// A TokenConstraint: the automaton's current state, checked one token at a time or over the trie.
import { ConstraintError } from './errors.js';
import type { State } from './state.js';
import type { ConstraintVocab } from './vocab.js';

/** Whitespace-only tokens in a row at most: JSON allows any run, and a small model, once it starts, may emit nothing else. */
const MAX_WHITESPACE_TOKENS = 2;

export class ByteConstraint {
  private state: State;
  private ended = false;
  private whitespaceRun = 0;
  private readonly walk: (State | null)[];

  constructor(private readonly vocab: ConstraintVocab, start: State) {
    this.state = start;
    this.walk = new Array(vocab.maxDepth + 1).fill(null);
  }

  get complete(): boolean {
    return this.ended || this.state.acceptsEnd;
  }

  allows(token: number): boolean {
    if (this.ended) return false;
    if (this.vocab.eosIds.includes(token)) return this.state.acceptsEnd;
    if (this.whitespaceRun >= MAX_WHITESPACE_TOKENS && this.vocab.whitespace[token]) return false;
    return this.after(token) !== null;
  }

  advance(token: number): void {
    if (!this.allows(token)) throw new ConstraintError(`token ${token} does not continue the constrained output; sample from allowedTokens()`);
    if (this.vocab.eosIds.includes(token)) this.ended = true;
    else this.state = this.after(token)!;
    this.whitespaceRun = this.vocab.whitespace[token] ? this.whitespaceRun + 1 : 0;
  }

  /** Every token that keeps the output a valid prefix: one preorder pass over the trie, skipping dead subtrees. */
  allowedTokens(): Uint8Array {
    const v = this.vocab;
    const mask = new Uint8Array(v.vocabSize);
    let allowed = 0;
    if (!this.ended) {
      const walk = this.walk;
      walk[0] = this.state;
      for (let i = 1, n = v.byte.length; i < n; ) {
        const s = walk[v.depth[i] - 1]!.step(v.byte[i]);
        if (s === null) { i += v.size[i]; continue; }
        walk[v.depth[i]] = s;
        for (let t = v.tokenAt[i]; t >= 0; t = v.sameNext[t]) { mask[t] = 1; allowed++; }
        i++;
      }
      if (this.state.acceptsEnd) for (const e of v.eosIds) { mask[e] = 1; allowed++; }
      if (this.whitespaceRun >= MAX_WHITESPACE_TOKENS) allowed -= dropWhitespace(mask, v.whitespace, allowed);
    }
    if (allowed === 0) throw new ConstraintError(this.ended ? 'the constrained output already ended with EOS' : 'no token of the vocabulary continues the constrained output');
    return mask;
  }

  private after(token: number): State | null {
    const bytes = this.vocab.tokens[token];
    if (!bytes || bytes.length === 0) return null;
    let s: State | null = this.state;
    for (let i = 0; i < bytes.length && s !== null; i++) s = s.step(bytes[i]);
    return s;
  }
}

/** Clears whitespace-only tokens from the mask unless nothing else is allowed; returns how many it cleared. */
function dropWhitespace(mask: Uint8Array, whitespace: Uint8Array, allowed: number): number {
  let cleared = 0;
  for (let t = 0; t < mask.length; t++) if (mask[t] && whitespace[t]) cleared++;
  if (cleared === allowed) return 0;
  for (let t = 0; t < mask.length; t++) if (whitespace[t]) mask[t] = 0;
  return cleared;
}
