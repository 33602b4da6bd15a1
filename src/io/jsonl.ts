// JSONL read as a stream of lines, each bounded in bytes and strictly UTF-8, so one huge or
// binary line fails with its line number before it is held whole, parsed or tokenized.
import { createReadStream } from 'node:fs';
import { ConfigError } from '../errors.js';

export interface JsonlLine {
  /** 1-based line number in the file, blank lines included. */
  readonly line: number;
  readonly value: unknown;
}

const NEWLINE = 0x0a;

/** The non-blank lines of `file`, parsed; a line over `maxLineBytes` is an error naming it. */
export async function* readJsonlLines(file: string, maxLineBytes: number): AsyncGenerator<JsonlLine> {
  const line = new LineBuffer(file, maxLineBytes);
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      line.append(chunk.subarray(start, nl));
      const parsed = line.take();
      if (parsed) yield parsed;
      start = nl + 1;
    }
    line.append(chunk.subarray(start));
  }
  const last = line.take();
  if (last) yield last;
}

class LineBuffer {
  private parts: Buffer[] = [];
  private bytes = 0;
  private number = 1;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
  ) {}

  append(piece: Buffer): void {
    this.bytes += piece.length;
    // Checked before the piece is kept: at most one read chunk past the bound is ever held.
    if (this.bytes > this.maxBytes) {
      throw new ConfigError(`${this.file}:${this.number}: record is over ${this.maxBytes} bytes, the bound on one record; split or shorten it, or drop it from the file`);
    }
    if (piece.length) this.parts.push(piece);
  }

  /** The finished line, parsed (undefined when blank), and moves on to the next line. */
  take(): JsonlLine | undefined {
    const text = this.decode();
    const line = this.number++;
    this.parts = [];
    this.bytes = 0;
    if (!text.trim()) return undefined;
    try {
      return { line, value: JSON.parse(text) as unknown };
    } catch (error) {
      throw new ConfigError(`${this.file}:${line}: not valid JSON (${(error as Error).message})`);
    }
  }

  private decode(): string {
    try {
      return this.decoder.decode(Buffer.concat(this.parts));
    } catch {
      throw new ConfigError(`${this.file}:${this.number}: not valid UTF-8; re-encode the file as UTF-8 (a lossy read would train on U+FFFD)`);
    }
  }
}
