// Pre-trains a tiny Qwen3 base model from scratch with wgml's own full-parameter training, on chat
// documents built from the shipped data, and writes it as a HuggingFace directory with a model card.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Device } from '../../src/gpu/device.js';
import type { ByteTokenizerFiles } from '../../src/io/byte-tokenizer.js';
import type { ChatMessage } from '../../src/io/chat-template.js';
import { parameterShapes, writeRandomQwen } from '../../src/io/random-model.js';
import type { Tokenizer } from '../../src/io/tokenizer.js';
import { loadModel } from '../../src/model/model.js';
import { FullTrainable } from '../../src/train/full-trainable.js';
import type { LabelledExample } from '../../src/train/labels.js';
import { train, TrainConfigSchema } from '../../src/train/trainer.js';

export const TinyModelSchema = z.object({
  name: z.string(),
  seed: z.number().int().min(0).default(0),
  hiddenSize: z.number().int().positive().default(128),
  intermediateSize: z.number().int().positive().default(384),
  numLayers: z.number().int().positive().default(4),
  numHeads: z.number().int().positive().default(4),
  numKvHeads: z.number().int().positive().default(2),
  headDim: z.number().int().positive().default(32),
  maxPositionEmbeddings: z.number().int().positive().default(512),
  /** HF's initializer_range: the std of every embedding and matrix at init. */
  initStd: z.number().positive().default(0.02),
  steps: z.number().int().positive().default(600),
  batchSize: z.number().int().positive().default(8),
  lr: z.number().positive().default(3e-3),
});
export type TinyModel = z.output<typeof TinyModelSchema>;

/** Every token of a rendered conversation is learned: pre-training, not instruction masking. */
export function chatDocument(tokenizer: Tokenizer, messages: readonly ChatMessage[], maxTokens: number): LabelledExample {
  const ids = tokenizer.encode(tokenizer.applyChatTemplate(messages), { addSpecialTokens: false }).slice(0, maxTokens);
  return { input_ids: ids, labels: ids };
}

export interface PretrainResult {
  dir: string;
  params: number;
  steps: number;
  firstLoss: number;
  finalLoss: number;
  seconds: number;
}

/** Random init (seeded), full-parameter training for `spec.steps`, saved in bf16 to `out`. */
export async function pretrain(device: Device, spec: TinyModel, tokenizer: ByteTokenizerFiles, vocabSize: number, docs: readonly LabelledExample[], out: string, onProgress?: (line: string) => void): Promise<PretrainResult> {
  const init = await mkdtemp(join(tmpdir(), 'wgml-pretrain-'));
  const shape = { architecture: 'Qwen3ForCausalLM' as const, ...spec, vocabSize, tieWordEmbeddings: true, dtype: 'F32' as const, tokenizer };
  try {
    await writeRandomQwen(init, shape);
    const result = await trainFull(device, init, spec, docs, out, onProgress);
    return { ...result, params: parameterShapes(shape).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0) };
  } finally {
    await rm(init, { recursive: true, force: true });
  }
}

/**
 * Full-parameter training of the model in `from` (loaded in f32) for `spec.steps`, saved in bf16 to
 * `out` with `from`'s tokenizer and generation files: pre-training from an init, or a further stage.
 */
export async function trainFull(device: Device, from: string, spec: Pick<TinyModel, 'steps' | 'batchSize' | 'lr' | 'seed'>, docs: readonly LabelledExample[], out: string, onProgress?: (line: string) => void): Promise<PretrainResult> {
  const runDir = await mkdtemp(join(tmpdir(), 'wgml-train-full-'));
  const model = await loadModel(from, { device, dtype: 'f32' });
  try {
    const started = performance.now();
    const config = TrainConfigSchema.parse({ maxSteps: spec.steps, batchSize: spec.batchSize, lr: spec.lr, seed: spec.seed, schedule: { type: 'cosine', warmupRatio: 0.05 }, optimizer: { weightDecay: 0.01 } });
    const trainable = new FullTrainable(model);
    const { history } = await train(trainable, docs, config, { runDir, onProgress });
    await model.save(out, 'BF16');
    const params = [...trainable.parameters.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    return { dir: out, params, steps: history.length, firstLoss: history[0]!.loss, finalLoss: history.at(-1)!.loss, seconds: (performance.now() - started) / 1000 };
  } finally {
    model.dispose();
    await rm(runDir, { recursive: true, force: true });
  }
}

/** README.md of a shipped model: what it is, how it was made, how well it does, how to redo it. */
export interface ModelCardFacts {
  data: string;
  accuracy?: string;
  command: string;
  /** What the model is for; default: a tiny base LM for tests and recipes. */
  about?: string;
  /** Name of the accuracy row; default: GSM8K-style test accuracy. */
  accuracyName?: string;
  /** Where training started; default: a random init of the spec's seed. */
  init?: string;
}

export async function writeModelCard(r: PretrainResult, spec: TinyModel, facts: ModelCardFacts): Promise<void> {
  const card = `# ${spec.name}

${facts.about ?? 'A tiny Qwen3-architecture causal LM made by wgml for its tests and recipes — not a useful model.'}

| | |
| --- | --- |
| architecture | Qwen3ForCausalLM, ${spec.numLayers} layers, hidden ${spec.hiddenSize}, MLP ${spec.intermediateSize}, ${spec.numHeads} heads / ${spec.numKvHeads} KV heads × ${spec.headDim}, tied embeddings, bf16 |
| parameters | ${r.params.toLocaleString('en-US')} |
| training data | ${facts.data} |
| training | wgml full-parameter training from ${facts.init ?? `a random init (seed ${spec.seed})`}: ${r.steps} steps × batch ${spec.batchSize}, AdamW lr ${spec.lr} cosine, ${r.seconds.toFixed(0)} s |
| loss | ${r.firstLoss.toFixed(3)} → ${r.finalLoss.toFixed(3)} |
| ${facts.accuracyName ?? 'GSM8K-style test accuracy'} | ${facts.accuracy ?? 'not measured'} |

Reproduce with \`${facts.command}\`.
`;
  await writeFile(join(r.dir, 'README.md'), card);
}
