import { mkdtemp, readFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byteLevelTokenizer } from '../../src/io/byte-tokenizer.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { loadModel } from '../../src/model/model.js';
import { writeFile } from 'node:fs/promises';
import { readJsonl } from '../../recipes/data/common.js';
import { pretrainCorpus, pretrainingAnswer } from '../../recipes/models/corpus.js';
import { chatDocument, pretrain, TinyModelSchema, writeModelCard } from '../../recipes/models/pretrain.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();
/** Enough for the 4 documents to be learnt (loss 5.53 → 0.09 at seed 0), about 15 s here. */
const STEPS = 120;

describe('tiny model pre-training', () => {
  it('trains a base model from scratch that learns its documents, loads, answers a trained item and carries a model card', async () => {
    const files = byteLevelTokenizer();
    const tokDir = await mkdtemp(join(tmpdir(), 'wgml-tok-'));
    await writeFile(join(tokDir, 'tokenizer.json'), JSON.stringify(files.tokenizerJson));
    await writeFile(join(tokDir, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig));
    const tokenizer = await loadTokenizer(tokDir);
    const docs = [1, 2, 3, 4].map((n) => chatDocument(tokenizer, [{ role: 'user', content: `${n}+${n}?` }, { role: 'assistant', content: `#### ${2 * n}` }], 64));
    const spec = TinyModelSchema.parse({ name: 'qwen3-test', hiddenSize: 32, intermediateSize: 64, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 16, steps: STEPS, batchSize: 4, lr: 1e-2 });
    const out = join(await mkdtemp(join(tmpdir(), 'wgml-pre-')), 'model');
    await mkdir(out);
    const result = await pretrain(device, spec, files, 272, docs, out);
    expect(result.finalLoss).toBeLessThan(result.firstLoss / 2);
    await writeModelCard(result, spec, { data: 'four sums', command: 'npm run make:models' });
    expect(await readFile(join(out, 'README.md'), 'utf8')).toContain(`| parameters | ${result.params.toLocaleString('en-US')} |`);
    const model = await loadModel(out, { device });
    for (const n of [1, 2, 3, 4]) {
      const reply = await model.generate(model.chatPrompt([{ role: 'user', content: `${n}+${n}?` }]), { maxNewTokens: 8, temperature: 0 });
      expect(reply, `${n}+${n}?`).toContain(`#### ${2 * n}`);
    }
    model.dispose();
  });
});

describe('the pre-training corpus', () => {
  const ROOT = join(import.meta.dirname, '..', '..');
  const options = { seqLen: 160, gsmProblems: 50, otherShare: 0.05, drillSequences: 5, seed: 3 };

  it('packs chats from every shipped training set and drills into full sequences that start a chat', async () => {
    const tokenizer = await loadTokenizer(join(ROOT, 'models', 'tokenizer'));
    const corpus = await pretrainCorpus(ROOT, tokenizer, options);
    expect(Object.keys(corpus.counts)).toHaveLength(5);
    for (const n of Object.values(corpus.counts)) expect(n).toBeGreaterThan(0);
    const imStart = tokenizer.tokenToId('<|im_start|>');
    const drillOnly = corpus.sequences.filter((s) => s.input_ids[0] !== imStart);
    expect(drillOnly).toHaveLength(options.drillSequences);
    for (const s of corpus.sequences) expect(s.input_ids).toHaveLength(options.seqLen);
    expect(await pretrainCorpus(ROOT, tokenizer, options)).toEqual(corpus);
  });

  it('never holds a shipped GSM8K-style train or test question', async () => {
    const tokenizer = await loadTokenizer(join(ROOT, 'models', 'tokenizer'));
    const text = (await pretrainCorpus(ROOT, tokenizer, { ...options, gsmProblems: 2000 })).sequences.map((s) => tokenizer.decode(s.input_ids)).join('\n');
    for (const split of ['train', 'test']) {
      const shipped = await readJsonl<{ question: string }>(join(ROOT, 'data', 'gsm8k', `${split}.jsonl`));
      for (const { question } of shipped) expect(text.includes(question), question).toBe(false);
    }
  });

  it('ends GSM8K-style solutions in the base model\'s own words, leaving #### to the fine-tune', async () => {
    const tokenizer = await loadTokenizer(join(ROOT, 'models', 'tokenizer'));
    const text = (await pretrainCorpus(ROOT, tokenizer, options)).sequences.map((s) => tokenizer.decode(s.input_ids)).join('\n');
    expect(text).not.toContain('####');
    expect(text.match(/The answer is \d+\./g)?.length).toBeGreaterThanOrEqual(options.gsmProblems * 0.9);
    expect(pretrainingAnswer('She has 3+4 = <<3+4=7>>7 apples.\n#### 7')).toBe('She has 3+4 = <<3+4=7>>7 apples.\nThe answer is 7.');
  });
});
