// Incremental detokenizing of one sequence: text deltas as tokens arrive, cut at the first stop string.
import type { Tokenizer } from '../io/tokenizer.js';

export class TextStream {
  private readonly ids: number[] = [];
  private emitted = 0;
  private text = '';
  stopped = false;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly stop: readonly string[],
  ) {}

  /** Adds a token and returns the text that is now final (none while a multi-byte character is incomplete). */
  push(token: number): string {
    if (this.stopped) return '';
    this.ids.push(token);
    this.text = this.tokenizer.decode(this.ids, { skipSpecialTokens: true });
    const cut = this.firstStop();
    if (cut >= 0) {
      this.stopped = true;
      this.text = this.text.slice(0, cut);
      return this.take(this.text.length);
    }
    // Hold back a trailing replacement character (a split UTF-8 sequence) and any prefix of a stop string.
    let ready = this.text.endsWith('\uFFFD') ? this.text.length - 1 : this.text.length;
    ready -= this.stopPrefixLength(ready);
    return this.take(ready);
  }

  /** Whatever is still held back, once the sequence has ended. */
  flush(): string {
    return this.take(this.text.length);
  }

  get fullText(): string {
    return this.text;
  }

  private take(upTo: number): string {
    if (upTo <= this.emitted) return '';
    const delta = this.text.slice(this.emitted, upTo);
    this.emitted = upTo;
    return delta;
  }

  private firstStop(): number {
    const hits = this.stop.map((s) => this.text.indexOf(s)).filter((i) => i >= 0);
    return hits.length ? Math.min(...hits) : -1;
  }

  /** Length of the longest tail of text[..end) that starts some stop string. */
  private stopPrefixLength(end: number): number {
    let longest = 0;
    for (const s of this.stop) {
      for (let n = Math.min(s.length - 1, end); n > longest; n--) {
        if (this.text.slice(end - n, end) === s.slice(0, n)) longest = n;
      }
    }
    return longest;
  }
}
