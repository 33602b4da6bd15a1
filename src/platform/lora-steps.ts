// LoRA fine-tuning in a tab: the trainer's step (src/train/trainer.ts: the loss averaged over
// the batch's counted tokens, AdamW with clipping) without its files (metrics, checkpoints), so it
// runs in a tab. One batch of every example per step, at a constant learning rate.
import { ConfigError } from '../errors.js';
import type { ChatMessage } from '../io/chat-template.js';
import type { Model } from '../model/model.js';
import type { LoraConfig } from '../nn/lora-adapter.js';
import type { Tensor } from '../tensor/tensor.js';
import { AdamW } from '../train/adamw.js';
import { padBatch } from '../train/batches.js';
import { assistantOnlyLabels, type LabelledExample } from '../train/labels.js';
import { LoraTrainable } from '../train/lora-trainable.js';

export interface LoraStepsOptions {
  steps: number;
  lr: number;
  lora?: Partial<LoraConfig>;
  /** Seeds the LoRA init (as model.addLora) and dropout. */
  seed?: number;
  maxGradNorm?: number;
  onStep?: (step: number, loss: number) => void;
}

/** JSONL lines of {"messages": [...]} (assistant turns learned) or {"prompt", "completion"} (the completion learned). */
export function examplesFromJsonl(model: Model, text: string): LabelledExample[] {
  const lines = text.split('\n').map((l) => l.trim());
  const out: LabelledExample[] = [];
  lines.forEach((line, i) => {
    if (!line) return;
    let record: { messages?: ChatMessage[]; prompt?: string; completion?: string };
    try {
      record = JSON.parse(line);
    } catch (err) {
      throw new ConfigError(`JSONL line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (Array.isArray(record.messages)) out.push(assistantOnlyLabels(model.tokenizer, record.messages));
    else if (typeof record.prompt === 'string' && typeof record.completion === 'string') {
      const prompt = model.tokenizer.encode(record.prompt);
      const completion = model.tokenizer.encode(record.completion);
      out.push({ input_ids: [...prompt, ...completion], labels: [...prompt.map(() => -100), ...completion] });
    } else throw new ConfigError(`JSONL line ${i + 1}: expected {"messages": [...]} or {"prompt": ..., "completion": ...}`);
  });
  if (out.length === 0) throw new ConfigError('JSONL: no examples (one JSON object a line)');
  return out;
}

/** Adds a LoRA adapter (unless the model has one) and trains it `steps` steps; returns each step's loss. */
export async function trainLoraSteps(model: Model, examples: readonly LabelledExample[], options: LoraStepsOptions): Promise<number[]> {
  const seed = options.seed ?? 0;
  const adapter = model.adapter ?? model.addLora(options.lora, seed);
  const trainable = new LoraTrainable(model, adapter);
  const optimizer = new AdamW(model.device, trainable.parameters, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: options.maxGradNorm ?? 1 });
  const batch = padBatch([...examples], trainable.padId);
  const losses: number[] = [];
  try {
    for (let step = 0; step < options.steps; step++) {
      const grads = new Map<string, Tensor>();
      const loss = (await trainable.accumulateGrads(batch, 1 / batch.counted, grads, seed * 1_000_003 + step)) / batch.counted;
      await optimizer.step(grads, options.lr);
      for (const g of grads.values()) g.dispose();
      losses.push(loss);
      options.onStep?.(step + 1, loss);
    }
  } finally {
    optimizer.dispose();
  }
  return losses;
}
