// Batched greedy generation for a recipe's evaluation: prompts in batches through the public Model
// API, one progress line per batch (items, tok/s, ETA), the outputs in prompt order.
import type { BatchPrompt, Model } from '../../src/model/model.js';
import { Progress, type ProgressSink } from './progress.js';

export interface GenerationOptions {
  batchSize: number;
  maxNewTokens: number;
  /** Extra per-request options (stop strings, sampling, a responseFormat for every prompt); greedy by default. */
  generate?: Omit<NonNullable<Parameters<Model['generateBatch']>[1]>, 'maxNewTokens'>;
}

/**
 * Completions of `prompts`, `batchSize` at a time, reporting `label done/total` after each batch.
 * A prompt given with its own responseFormat is constrained to it (see Model.generateBatch).
 */
export async function generateAll(model: Model, label: string, prompts: readonly (string | BatchPrompt)[], o: GenerationOptions, sink: ProgressSink): Promise<string[]> {
  const outputs: string[] = [];
  const progress = new Progress(label, prompts.length, sink);
  for (let start = 0; start < prompts.length; start += o.batchSize) {
    const texts = await model.generateBatch(prompts.slice(start, start + o.batchSize), { ...o.generate, maxNewTokens: o.maxNewTokens });
    outputs.push(...texts);
    progress.advance(outputs.length, texts.reduce((n, t) => n + model.tokenizer.encode(t).length, 0));
  }
  return outputs;
}
