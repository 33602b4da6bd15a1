// JSON as strict as Rust's serde_json reading typed structs, for headers where a lenient
// parse would load the wrong bytes: a key that appears twice is an error (JSON.parse keeps the
// last), and numbers keep their source text so `4.0` or `1e2` can be told from the integer 4.

import { type Node, parseTree } from 'jsonc-parser';

/** A JSON number as written in the source, e.g. "16", "4.0", "-0", "1e2". */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
/** Keys in source order; a Map, so a key such as "__proto__" is data, not a prototype. */
export type JsonObject = Map<string, JsonValue>;

/** Thrown with the JSON path ("/a/b") of the offending value; callers add the file name. */
export class StrictJsonError extends Error {}

export function parseStrictJson(text: string): JsonValue {
  try {
    // JSON.parse is the grammar check: jsonc-parser alone would accept comments and
    // trailing commas, which serde_json refuses.
    JSON.parse(text);
  } catch (err) {
    throw new StrictJsonError(`not valid JSON (${(err as Error).message})`);
  }
  const tree = parseTree(text, [], { disallowComments: true, allowTrailingComma: false });
  if (!tree) throw new StrictJsonError('not valid JSON (empty)');
  return convert(tree, text, '');
}

function convert(node: Node, text: string, path: string): JsonValue {
  switch (node.type) {
    case 'object':
      return convertObject(node, text, path);
    case 'array':
      return (node.children ?? []).map((child, i) => convert(child, text, `${path}/${i}`));
    case 'number':
      return new JsonNumber(text.slice(node.offset, node.offset + node.length));
    case 'string':
      return wellFormed(node.value as string, path);
    default:
      return node.value as boolean | null;
  }
}

function convertObject(node: Node, text: string, path: string): JsonObject {
  const object: JsonObject = new Map();
  for (const property of node.children ?? []) {
    const [keyNode, valueNode] = property.children!;
    const key = wellFormed(keyNode.value as string, path);
    const at = `${path}/${key}`;
    if (object.has(key)) throw new StrictJsonError(`key "${key}" appears twice at ${path || '/'}`);
    object.set(key, convert(valueNode, text, at));
  }
  return object;
}

// serde_json refuses a \uD800-style escape that is not half of a surrogate pair; JSON.parse
// keeps it as a lone UTF-16 unit that no UTF-8 file could hold.
function wellFormed(value: string, path: string): string {
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) {
    throw new StrictJsonError(`string ${JSON.stringify(value)} at ${path || '/'} holds an unpaired surrogate escape`);
  }
  return value;
}

/**
 * The value of an unsigned integer literal ("0" or digits without a leading zero), as serde
 * reads a usize/u64; anything else (a fraction, an exponent, a sign, > 2^64 - 1) is undefined.
 */
export function unsignedInteger(value: JsonValue | undefined): bigint | undefined {
  if (!(value instanceof JsonNumber) || !/^(0|[1-9][0-9]*)$/.test(value.text)) return undefined;
  const n = BigInt(value.text);
  return n < 2n ** 64n ? n : undefined;
}
