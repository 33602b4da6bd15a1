// Compiled schema nodes: what the byte automaton enforces at one value position.

export interface ObjectKey {
  readonly name: string;
  /** UTF-8 bytes (as char codes) of the key's JSON text after the opening quote, closing quote included. */
  readonly text: string;
}

export type SchemaNode =
  | { readonly kind: 'object'; readonly properties: ReadonlyMap<string, SchemaNode>; readonly keys: readonly ObjectKey[]; readonly required: readonly string[]; additional: SchemaNode | null }
  | { readonly kind: 'array'; items: SchemaNode; readonly minItems: number; readonly maxItems: number }
  | { readonly kind: 'string'; readonly minLength: number; readonly maxLength: number }
  | { readonly kind: 'integer' }
  | { readonly kind: 'number' }
  /** Exact JSON texts (enum, const, true/false/null) as byte strings. */
  | { readonly kind: 'literal'; readonly texts: readonly string[] }
  | { readonly kind: 'anyOf'; readonly options: SchemaNode[] };

export type ObjectNode = Extract<SchemaNode, { kind: 'object' }>;
export type ArrayNode = Extract<SchemaNode, { kind: 'array' }>;

export const STRING: SchemaNode = { kind: 'string', minLength: 0, maxLength: Infinity };
export const BOOLEAN: SchemaNode = { kind: 'literal', texts: ['true', 'false'] };
export const NULL: SchemaNode = { kind: 'literal', texts: ['null'] };

const anyOptions: SchemaNode[] = [];
/** Any JSON value. */
export const ANY: SchemaNode = { kind: 'anyOf', options: anyOptions };
/** Any JSON object. */
export const ANY_OBJECT: ObjectNode = { kind: 'object', properties: new Map(), keys: [], required: [], additional: ANY };
const ANY_ARRAY: ArrayNode = { kind: 'array', items: ANY, minItems: 0, maxItems: Infinity };
anyOptions.push(ANY_OBJECT, ANY_ARRAY, STRING, { kind: 'number' }, { kind: 'literal', texts: ['true', 'false', 'null'] });
