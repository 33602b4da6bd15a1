// The engine's refusals, each a class the server maps to its HTTP status.
import { WgmlError } from '../errors.js';

/** The queue is full: try again later (the server answers 429). */
export class QueueFullError extends WgmlError {}
/** The engine is draining or closed (the server answers 503). */
export class EngineClosedError extends WgmlError {}
/** Prompt plus max new tokens exceed what one slot holds. */
export class ContextLengthError extends WgmlError {
  constructor(
    readonly promptTokens: number,
    readonly maxNewTokens: number,
    readonly limit: number,
  ) {
    super(`the prompt has ${promptTokens} tokens and max_tokens is ${maxNewTokens}: ${promptTokens + maxNewTokens} > ${limit}, the context a request may use; shorten the prompt or lower max_tokens`);
  }
}
