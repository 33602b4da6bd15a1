// The automaton's start state for a response format.
import { ValueStart } from './automaton.js';
import { InvalidSchemaError } from './errors.js';
import type { ResponseFormat } from './index.js';
import { ANY_OBJECT } from './nodes.js';
import { compileSchema } from './schema.js';
import { DONE, type State } from './state.js';

export function automatonStart(format: ResponseFormat): State | null {
  switch (format.type) {
    case 'text': return null;
    case 'json_object': return new ValueStart(ANY_OBJECT, DONE);
    case 'json_schema': {
      const schema = format.json_schema?.schema ?? format.schema;
      if (schema === undefined) throw new InvalidSchemaError("response_format json_schema: no schema (give json_schema.schema or schema)");
      return new ValueStart(compileSchema(schema), DONE);
    }
    default: throw new InvalidSchemaError(`response_format: unknown type ${JSON.stringify((format as { type: unknown }).type)}; use text, json_object or json_schema`);
  }
}
