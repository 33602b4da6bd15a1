// JSON-constrained decoding: a response format compiled to a byte automaton walked over the vocabulary.
import { automatonStart } from './start.js';
import { ByteConstraint } from './constraint.js';
import { ConstraintVocab } from './vocab.js';

export { ConstraintVocab } from './vocab.js';
export { ConstraintError, InvalidSchemaError, UnsupportedSchemaError } from './errors.js';

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema?: { name?: string; schema: Record<string, unknown>; strict?: boolean }; schema?: Record<string, unknown> };

export interface TokenConstraint {
  /** The token keeps the output a valid prefix (EOS only once complete). */
  allows(token: number): boolean;
  /** Length vocabSize, 1 = allowed; throws ConstraintError rather than return all zeros. */
  allowedTokens(): Uint8Array;
  /** Throws ConstraintError when the token is not allowed. */
  advance(token: number): void;
  /** A whole value has been produced. */
  readonly complete: boolean;
}

/** A factory of fresh constraints (one per request), or null for plain text. */
export function compileResponseFormat(format: ResponseFormat, vocab: ConstraintVocab): (() => TokenConstraint) | null {
  const start = automatonStart(format);
  return start === null ? null : () => new ByteConstraint(vocab, start);
}
