import { ConfigError, WgmlError } from '../../errors.js';

/** A JSON schema uses a keyword constrained decoding cannot enforce; the message names it and its path. */
export class UnsupportedSchemaError extends ConfigError {
  constructor(readonly keyword: string, readonly path: string, why = 'is not supported by constrained decoding') {
    super(`response_format schema: "${keyword}" at ${path} ${why}; remove it or use {type: 'json_object'}`);
  }
}

/** A JSON schema is malformed or cannot match any value; the message names the path. */
export class InvalidSchemaError extends ConfigError {}

/** A token was fed that the constraint does not allow, or no token can continue the output. */
export class ConstraintError extends WgmlError {}
