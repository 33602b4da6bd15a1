// 200 random schemas: tokens drawn at random from allowedTokens() until complete always give JSON
// that parses and matches the schema.
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { compileResponseFormat, ConstraintVocab } from '../../src/engine/constrain/index.js';
import type { Rng } from '../../src/cpu/random.js';
import { loadTokenizer, type Tokenizer } from '../../src/io/tokenizer.js';
import { seededRng } from '../helpers/seed.js';

type Schema = Record<string, unknown>;

function randomSchema(rng: Rng, depth: number): Schema {
  const pick = rng.int(depth > 2 ? 6 : 8);
  switch (pick) {
    case 0: return { type: 'string', maxLength: 1 + rng.int(6) };
    case 1: return { type: 'integer' };
    case 2: return { type: 'number' };
    case 3: return { type: 'boolean' };
    case 4: return { enum: ['a', 'bc', 3, null].slice(0, 1 + rng.int(4)) };
    case 5: return { type: ['string', 'null'], maxLength: 3 };
    case 6: return { type: 'array', items: randomSchema(rng, depth + 1), maxItems: 1 + rng.int(3) };
    default: {
      const properties = Object.fromEntries(Array.from({ length: 1 + rng.int(3) }, (_, i) => [`k${i}`, randomSchema(rng, depth + 1)]));
      return { type: 'object', properties, required: Object.keys(properties).filter(() => rng.next() < 0.5) };
    }
  }
}

function matches(v: unknown, s: Schema): boolean {
  if ('enum' in s) return (s.enum as unknown[]).some((e) => e === v);
  const types = Array.isArray(s.type) ? s.type : [s.type];
  return types.some((t) => {
    switch (t) {
      case 'string': return typeof v === 'string' && [...v].length <= (s.maxLength as number);
      case 'integer': return Number.isInteger(v);
      case 'number': return typeof v === 'number';
      case 'boolean': return typeof v === 'boolean';
      case 'null': return v === null;
      case 'array': return Array.isArray(v) && v.length <= (s.maxItems as number) && v.every((x) => matches(x, s.items as Schema));
      default: {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
        const props = s.properties as Record<string, Schema>;
        const o = v as Record<string, unknown>;
        return (s.required as string[]).every((k) => k in o) && Object.entries(o).every(([k, x]) => k in props && matches(x, props[k]));
      }
    }
  });
}

// After a few random steps, prefer tokens that close things, so every walk ends.
const CLOSERS = ['}', ']', '"', ':', ',', '0'];

let tok: Tokenizer;
let vocab: ConstraintVocab;
let closers: number[];
beforeAll(async () => {
  tok = await loadTokenizer(fileURLToPath(new URL('../../models/qwen3-tiny', import.meta.url)));
  vocab = ConstraintVocab.fromTokenizer(tok);
  closers = CLOSERS.map((c) => tok.encode(c)[0]);
}, 60_000);

function choose(mask: Uint8Array, rng: Rng, step: number): number {
  const allowed = [...mask].flatMap((v, i) => (v ? [i] : []));
  if (mask[tok.eosTokenIds[0]]) return tok.eosTokenIds[0];
  if (step < 12) return allowed[rng.int(allowed.length)];
  const closer = closers.find((c) => mask[c]);
  if (closer !== undefined) return closer;
  const plain = allowed.filter((t) => !/^\s+$/.test(tok.decode([t])));
  return (plain.length ? plain : allowed)[rng.int(plain.length || allowed.length)];
}

it('random token walks over 200 random schemas end in JSON matching the schema', () => {
  const { rng } = seededRng();
  for (let n = 0; n < 200; n++) {
    const schema = randomSchema(rng, 0);
    const c = compileResponseFormat({ type: 'json_schema', schema }, vocab)!();
    const ids: number[] = [];
    for (let step = 0; step < 400 && !c.complete; step++) {
      const t = choose(c.allowedTokens(), rng, step);
      c.advance(t);
      ids.push(t);
    }
    const text = tok.decode(ids);
    expect(c.complete, `${JSON.stringify(schema)} → ${text}`).toBe(true);
    expect(matches(JSON.parse(text), schema), `${JSON.stringify(schema)} → ${text}`).toBe(true);
  }
});
