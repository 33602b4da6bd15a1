// JSON schema → SchemaNode. Every keyword is either enforced, an annotation, or an error naming it.
import { InvalidSchemaError, UnsupportedSchemaError } from './errors.js';
import { ANY, BOOLEAN, NULL, type SchemaNode } from './nodes.js';
import { byteString } from './state.js';

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', '$schema', '$id', '$comment', 'deprecated', 'readOnly', 'writeOnly', 'strict']);
const ENFORCED = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'minLength', 'maxLength', 'enum', 'const', 'anyOf']);
const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean', 'null'] as const;
type TypeName = (typeof TYPES)[number];

export function compileSchema(schema: unknown, path = '#'): SchemaNode {
  if (schema === true) return ANY;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new InvalidSchemaError(`response_format schema at ${path}: expected an object, got ${JSON.stringify(schema)}`);
  const s = schema as Schema;
  for (const key of Object.keys(s)) if (!ANNOTATIONS.has(key) && !ENFORCED.has(key)) throw new UnsupportedSchemaError(key, path);
  if ('const' in s) return literal([s.const], path);
  if ('enum' in s) return enumNode(s, path);
  if ('anyOf' in s) return anyOf(s, path);
  const types = typeList(s, path);
  const nodes = types.map((t) => typed(t, s, path));
  return nodes.length === 1 ? nodes[0] : { kind: 'anyOf', options: nodes };
}

function typeList(s: Schema, path: string): TypeName[] {
  if (s.type === undefined) {
    if ('properties' in s || 'required' in s || 'additionalProperties' in s) return ['object'];
    if ('items' in s || 'minItems' in s || 'maxItems' in s) return ['array'];
    if ('minLength' in s || 'maxLength' in s) return ['string'];
    return [...TYPES];
  }
  const list = Array.isArray(s.type) ? s.type : [s.type];
  for (const t of list) if (!TYPES.includes(t as TypeName)) throw new InvalidSchemaError(`response_format schema at ${path}/type: unknown type ${JSON.stringify(t)}`);
  return list as TypeName[];
}

function typed(t: TypeName, s: Schema, path: string): SchemaNode {
  switch (t) {
    case 'object': return objectNode(s, path);
    case 'array': {
      const minItems = count(s, 'minItems', 0, path);
      const maxItems = count(s, 'maxItems', Infinity, path);
      if (minItems > maxItems) throw new InvalidSchemaError(`response_format schema at ${path}: minItems ${minItems} > maxItems ${maxItems}`);
      return { kind: 'array', items: s.items === undefined ? ANY : compileSchema(s.items, `${path}/items`), minItems, maxItems };
    }
    case 'string': {
      const minLength = count(s, 'minLength', 0, path);
      const maxLength = count(s, 'maxLength', Infinity, path);
      if (minLength > maxLength) throw new InvalidSchemaError(`response_format schema at ${path}: minLength ${minLength} > maxLength ${maxLength}`);
      return { kind: 'string', minLength, maxLength };
    }
    case 'integer': return { kind: 'integer' };
    case 'number': return { kind: 'number' };
    case 'boolean': return BOOLEAN;
    case 'null': return NULL;
  }
}

function objectNode(s: Schema, path: string): SchemaNode {
  const props = (s.properties ?? {}) as Schema;
  if (typeof props !== 'object' || Array.isArray(props)) throw new InvalidSchemaError(`response_format schema at ${path}/properties: expected an object`);
  const properties = new Map(Object.entries(props).map(([k, v]) => [k, compileSchema(v, `${path}/properties/${k}`)]));
  const required = (s.required ?? []) as string[];
  if (!Array.isArray(required) || required.some((r) => typeof r !== 'string')) throw new InvalidSchemaError(`response_format schema at ${path}/required: expected an array of strings`);
  // With properties given, keys are strict unless the schema opens them: what OpenAI's strict mode asks.
  const extra = s.additionalProperties ?? properties.size === 0;
  const additional = extra === false ? null : compileSchema(extra, `${path}/additionalProperties`);
  for (const r of required) if (additional === null && !properties.has(r)) throw new InvalidSchemaError(`response_format schema at ${path}/required: "${r}" is required but not among the properties`);
  const keys = [...properties.keys()].map((name) => ({ name, text: byteString(JSON.stringify(name)).slice(1) }));
  return { kind: 'object', properties, keys, required, additional };
}

function enumNode(s: Schema, path: string): SchemaNode {
  if (!Array.isArray(s.enum) || s.enum.length === 0) throw new InvalidSchemaError(`response_format schema at ${path}/enum: expected a non-empty array`);
  return literal(s.enum, path);
}

function literal(values: unknown[], path: string): SchemaNode {
  const texts = values.map((v) => {
    if (v === undefined) throw new InvalidSchemaError(`response_format schema at ${path}: const/enum value is not JSON`);
    return byteString(JSON.stringify(v));
  });
  return { kind: 'literal', texts };
}

function anyOf(s: Schema, path: string): SchemaNode {
  for (const key of Object.keys(s)) if (key !== 'anyOf' && !ANNOTATIONS.has(key)) throw new UnsupportedSchemaError(key, path, 'next to anyOf is not supported');
  if (!Array.isArray(s.anyOf) || s.anyOf.length === 0) throw new InvalidSchemaError(`response_format schema at ${path}/anyOf: expected a non-empty array`);
  return { kind: 'anyOf', options: s.anyOf.map((o, i) => compileSchema(o, `${path}/anyOf/${i}`)) };
}

function count(s: Schema, key: string, fallback: number, path: string): number {
  const v = s[key];
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || (v as number) < 0) throw new InvalidSchemaError(`response_format schema at ${path}/${key}: expected a non-negative integer`);
  return v as number;
}
