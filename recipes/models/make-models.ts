// `npm run make:models`: pre-trains the shipped tiny base models on the shipped data with the shipped
// tokenizer, measures their GSM8K-style test accuracy, and writes models/<name>/ with a model card.
// Seeded throughout; about 30 minutes on a 2-core machine without a GPU.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createDevice } from '../../src/gpu/device.js';
import { readByteTokenizer } from '../../src/io/byte-tokenizer.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { loadModel } from '../../src/nn/model.js';
import { isCorrect } from '../gsm8k-qlora/answer.js';
import { chatDocument, pretrain, TinyModelSchema, writeModelCard } from './pretrain.js';

const ROOT = process.cwd();
const MAX_TOKENS = 256;
const EVAL_ITEMS = 100;

const SPECS = [
  TinyModelSchema.parse({ name: 'qwen3-tiny', seed: 1, steps: 250 }),
  TinyModelSchema.parse({ name: 'qwen3-tiny-b', seed: 2, hiddenSize: 96, intermediateSize: 288, numLayers: 3, headDim: 24, steps: 120 }),
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
    const outs = await model.generateBatch(prompts.slice(i, i + 16), { maxNewTokens: 128 });
    outs.forEach((o, j) => (correct += isCorrect(o, items[i + j]!.answer) ? 1 : 0));
  }
  model.dispose();
  return `${((100 * correct) / items.length).toFixed(1)}% (${correct}/${items.length}, greedy, first ${items.length} of data/gsm8k/test.jsonl)`;
}

async function main(): Promise<void> {
  const tokenizerDir = join(ROOT, 'models', 'tokenizer');
  const files = await readByteTokenizer(tokenizerDir);
  const tokenizer = await loadTokenizer(tokenizerDir);
  const train = await readJsonl<GsmRecord>(join(ROOT, 'data', 'gsm8k', 'train.jsonl'));
  const test = await readJsonl<GsmRecord>(join(ROOT, 'data', 'gsm8k', 'test.jsonl'));
  const docs = train.map((r) => chatDocument(tokenizer, [{ role: 'user', content: r.question }, { role: 'assistant', content: r.answer }], MAX_TOKENS));
  const device = await createDevice();
  try {
    for (const spec of SPECS) {
      const out = join(ROOT, 'models', spec.name);
      await rm(out, { recursive: true, force: true });
      console.log(`pre-training ${spec.name} on ${docs.length} GSM8K-style chats`);
      const result = await pretrain(device, spec, files, tokenizer.vocabSize, docs, out, (line) => console.log(`  ${line}`));
      const accuracy = await gsmAccuracy(out, device, test);
      await writeModelCard(result, spec, { data: `data/gsm8k/train.jsonl (${docs.length} synthetic word problems as chats), tokenizer models/tokenizer`, accuracy, command: 'npm run make:models' });
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
