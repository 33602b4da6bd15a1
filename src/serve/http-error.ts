// Errors the OpenAI way: a status and {error: {message, type, param, code}}; engine errors mapped to theirs.
import type { z } from 'zod';
import { ContextLengthError, EngineClosedError, QueueFullError } from '../engine/engine.js';
import { UnknownAdapterError } from '../engine/adapters.js';
import { ConfigError, WgmlError } from '../errors.js';
import { InvalidSchemaError, UnsupportedSchemaError } from '../engine/constrain/index.js';

export class HttpError extends WgmlError {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  get body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) => new HttpError(400, message, 'invalid_request_error', param, code);

/** A failed body parse, naming the first offending field. */
export function bodyError(error: z.ZodError): HttpError {
  const issue = error.issues[0]!;
  const param = issue.path.map(String).join('.') || null;
  return badRequest(param ? `${param}: ${issue.message}` : issue.message, param);
}

/** An error thrown while serving, as the status a client should see. */
export function toHttpError(error: unknown, promptParam: string): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ContextLengthError) return badRequest(`This model's context is ${error.limit} tokens; ${error.message}`, promptParam, 'context_length_exceeded');
  if (error instanceof QueueFullError) return new HttpError(429, error.message, 'rate_limit_exceeded', null, 'rate_limit_exceeded');
  if (error instanceof EngineClosedError) return new HttpError(503, error.message, 'service_unavailable', null, 'service_unavailable');
  if (error instanceof UnknownAdapterError) return new HttpError(404, error.message, 'invalid_request_error', 'model', 'model_not_found');
  if (error instanceof UnsupportedSchemaError || error instanceof InvalidSchemaError) return badRequest(`response_format: ${error.message}`, 'response_format');
  if (error instanceof ConfigError) return badRequest(error.message);
  return new HttpError(500, error instanceof Error ? error.message : String(error), 'server_error');
}
