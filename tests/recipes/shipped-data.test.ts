import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJsonl } from '../../recipes/data/common.js';
import { makeData, MakeDataSchema, textsOf } from '../../recipes/data/make-data.js';
import { trainBpe } from '../../src/io/bpe-trainer.js';
import { loadTokenizer, type Tokenizer } from '../../src/io/tokenizer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOKENIZER_DIR = join(ROOT, 'models', 'tokenizer');
const made = makeData(MakeDataSchema.parse({}));

let tokenizer: Tokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer(TOKENIZER_DIR);
});

describe('the shipped data (data/)', () => {
  it.each(Object.keys(made.files))('%s is what make:data writes today', async (file) => {
    const shipped = await readFile(join(ROOT, 'data', file), 'utf8');
    expect(shipped).toBe(made.files[file]!.map((r) => JSON.stringify(r) + '\n').join(''));
  });

  it('has no GSM8K test question in train', async () => {
    const train = new Set((await readJsonl<{ question: string }>(join(ROOT, 'data/gsm8k/train.jsonl'))).map((r) => r.question));
    const test = await readJsonl<{ question: string }>(join(ROOT, 'data/gsm8k/test.jsonl'));
    expect(test.filter((r) => train.has(r.question))).toEqual([]);
  });
});

describe('the shipped tokenizer (models/tokenizer)', () => {
  it('holds the merges make:data learns today', async () => {
    const json = JSON.parse(await readFile(join(TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { model: { merges: [string, string][] } };
    expect(json.model.merges).toEqual(trainBpe(made.corpus, { vocabSize: MakeDataSchema.parse({}).vocabSize }));
  });

  it('has between 2k and 4k ids, the Qwen chat tokens among them', () => {
    expect(tokenizer.vocabSize).toBeGreaterThanOrEqual(2000);
    expect(tokenizer.vocabSize).toBeLessThanOrEqual(4096);
    for (const t of ['<|endoftext|>', '<|im_start|>', '<|im_end|>']) expect(tokenizer.encode(t)).toEqual([tokenizer.tokenToId(t)]);
    expect(tokenizer.eosTokenIds).toEqual([tokenizer.tokenToId('<|im_end|>')]);
  });

  it('renders a ChatML conversation', () => {
    expect(tokenizer.applyChatTemplate([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true })).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
  });

  it('round-trips every text in data/ exactly, in fewer tokens than bytes', async () => {
    let bytes = 0;
    let tokens = 0;
    for (const file of Object.keys(made.files)) {
      for (const text of (await readJsonl<unknown>(join(ROOT, 'data', file))).flatMap(textsOf)) {
        const ids = tokenizer.encode(text);
        if (tokenizer.decode(ids) !== text) expect.fail(`${file}: ${JSON.stringify(text)} does not round-trip`);
        bytes += Buffer.byteLength(text);
        tokens += ids.length;
      }
    }
    expect(tokens / bytes).toBeLessThan(0.4);
  });
});
