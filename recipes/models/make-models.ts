// `npm run make:models`: pre-trains the shipped tiny base models on fresh GSM8K-style problems, a
// sample of every other shipped training set (as chats) and arithmetic drills, with the shipped
// tokenizer, measures their GSM8K-style test accuracy, and writes models/<name>/ with a model card.
// Seeded throughout; about 50 minutes on a 2-core machine without a GPU. `--only NAME` remakes one.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createDevice } from '../../src/platform/node.js';
import { readByteTokenizer } from '../../src/io/byte-tokenizer.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { loadModel } from '../../src/model/model.js';
import { isCorrect, parseAnswer } from '../data/gsm8k-answer.js';
import { type GsmRecord, readGsm8k } from '../data/gsm8k-records.js';
import { type Corpus, type CorpusOptions, pretrainCorpus } from './corpus.js';
import { pretrain, TinyModelSchema, writeModelCard } from './pretrain.js';

const ROOT = process.cwd();
const EVAL_ITEMS = 100;
/**
 * About one pass for qwen3-tiny: 9000 fresh problems, drills for the number facts, a sample of every
 * other set; sequences long enough to hold a k-shot prompt, since positions a model never trained on
 * come out as noise.
 */
const CORPUS: CorpusOptions = { seqLen: 384, gsmProblems: 9000, otherShare: 0.05, drillSequences: 300, seed: 1 };

const SPECS = [
  TinyModelSchema.parse({ name: 'qwen3-tiny', seed: 1, steps: 560, batchSize: 4, lr: 8e-3 }),
  TinyModelSchema.parse({ name: 'qwen3-tiny-b', seed: 2, hiddenSize: 96, intermediateSize: 288, numLayers: 3, headDim: 24, steps: 170, batchSize: 4, lr: 8e-3 }),
];

async function gsmAccuracy(dir: string, device: Awaited<ReturnType<typeof createDevice>>, test: GsmRecord[]): Promise<string> {
  const model = await loadModel(dir, { device });
  const items = test.slice(0, EVAL_ITEMS);
  const prompts = items.map((r) => model.chatPrompt([{ role: 'user', content: r.question }]));
  let correct = 0;
  let marked = 0;
  for (let i = 0; i < prompts.length; i += 16) {
    const outs = await model.generateBatch(prompts.slice(i, i + 16), { maxNewTokens: 96 });
    outs.forEach((o, j) => {
      const gold = parseAnswer(items[i + j]!.answer).value;
      correct += parseAnswer(o).value === gold ? 1 : 0;
      marked += isCorrect(o, items[i + j]!.answer) ? 1 : 0;
    });
  }
  model.dispose();
  const percent = (n: number): string => `${((100 * n) / items.length).toFixed(1)}% (${n}/${items.length})`;
  return `${percent(correct)} with the right final number; ${percent(marked)} in GSM8K's \`#### n\` form, which the base was not taught (greedy, zero-shot, first ${items.length} of data/gsm8k/test.jsonl)`;
}

function describe(corpus: Corpus): string {
  const parts = Object.entries(corpus.counts).map(([source, n]) => `${n} ${source.startsWith('data/') ? `chats from ${source}` : source}`);
  return `${parts.join(', ')}, packed into ${corpus.sequences.length} sequences of ${CORPUS.seqLen} tokens`;
}

async function main(): Promise<void> {
  const tokenizerDir = join(ROOT, 'models', 'tokenizer');
  const files = await readByteTokenizer(tokenizerDir);
  const tokenizer = await loadTokenizer(tokenizerDir);
  const test = await readGsm8k(join(ROOT, 'data', 'gsm8k', 'test.jsonl'));
  const corpus = await pretrainCorpus(ROOT, tokenizer, CORPUS);
  const device = await createDevice();
  try {
    const at = process.argv.indexOf('--only');
    for (const spec of SPECS.filter((s) => at < 0 || s.name === process.argv[at + 1])) {
      const out = join(ROOT, 'models', spec.name);
      await rm(out, { recursive: true, force: true });
      console.log(`pre-training ${spec.name} on ${describe(corpus)}`);
      const result = await pretrain(device, spec, files, tokenizer.vocabSize, corpus.sequences, out, (line) => console.log(`  ${line}`));
      const accuracy = await gsmAccuracy(out, device, test);
      const seen = Math.min(corpus.sequences.length, result.steps * spec.batchSize);
      const data = `${describe(corpus)}; ${seen} of them seen (${seen * CORPUS.seqLen} tokens); tokenizer models/tokenizer`;
      await writeModelCard(result, spec, { data, accuracy, command: 'npm run make:models' });
      console.log(`${spec.name}: ${result.params} parameters, loss ${result.firstLoss.toFixed(3)} → ${result.finalLoss.toFixed(3)}, accuracy ${accuracy}`);
    }
  } finally {
    device.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
