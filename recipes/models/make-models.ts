// `npm run make:models`: pre-trains the shipped tiny base models on every shipped training set (as
// chats) plus arithmetic drills, with the shipped tokenizer, measures their GSM8K-style test
// accuracy, and writes models/<name>/ with a model card. Seeded throughout; about 30 minutes on a
// 2-core machine without a GPU. `--only NAME` remakes one of them.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createDevice } from '../../src/gpu/device.js';
import { readByteTokenizer } from '../../src/io/byte-tokenizer.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { loadModel } from '../../src/nn/model.js';
import { isCorrect } from '../gsm8k-qlora/answer.js';
import { type Corpus, type CorpusOptions, pretrainCorpus } from './corpus.js';
import { pretrain, TinyModelSchema, writeModelCard } from './pretrain.js';

const ROOT = process.cwd();
const EVAL_ITEMS = 100;
/**
 * Most of one pass for qwen3-tiny: 900 of the 2000 GSM8K-style train chats (the base is not to be
 * saturated on them), arithmetic drills for the number facts, and a sample of every other set.
 */
const CORPUS: CorpusOptions = { seqLen: 160, gsmChats: 900, otherShare: 0.05, drillSequences: 250, seed: 1 };

const SPECS = [
  TinyModelSchema.parse({ name: 'qwen3-tiny', seed: 1, steps: 270, batchSize: 4, lr: 1e-2 }),
  TinyModelSchema.parse({ name: 'qwen3-tiny-b', seed: 2, hiddenSize: 96, intermediateSize: 288, numLayers: 3, headDim: 24, steps: 100, batchSize: 6, lr: 8e-3 }),
];

interface GsmRecord {
  question: string;
  answer: string;
}

async function readJsonl<T>(file: string): Promise<T[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

async function gsmAccuracy(dir: string, device: Awaited<ReturnType<typeof createDevice>>, test: GsmRecord[]): Promise<string> {
  const model = await loadModel(dir, { device });
  const items = test.slice(0, EVAL_ITEMS);
  const prompts = items.map((r) => model.chatPrompt([{ role: 'user', content: r.question }]));
  let correct = 0;
  for (let i = 0; i < prompts.length; i += 16) {
    const outs = await model.generateBatch(prompts.slice(i, i + 16), { maxNewTokens: 96 });
    outs.forEach((o, j) => (correct += isCorrect(o, items[i + j]!.answer) ? 1 : 0));
  }
  model.dispose();
  return `${((100 * correct) / items.length).toFixed(1)}% (${correct}/${items.length}, greedy, first ${items.length} of data/gsm8k/test.jsonl)`;
}

function describe(corpus: Corpus): string {
  const parts = Object.entries(corpus.counts).map(([source, n]) => `${n} ${source.startsWith('data/') ? `chats from ${source}` : source}`);
  return `${parts.join(', ')}, packed into ${corpus.sequences.length} sequences of ${CORPUS.seqLen} tokens`;
}

async function main(): Promise<void> {
  const tokenizerDir = join(ROOT, 'models', 'tokenizer');
  const files = await readByteTokenizer(tokenizerDir);
  const tokenizer = await loadTokenizer(tokenizerDir);
  const test = await readJsonl<GsmRecord>(join(ROOT, 'data', 'gsm8k', 'test.jsonl'));
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
