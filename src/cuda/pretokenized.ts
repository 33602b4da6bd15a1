// The files the worker reads instead of text: training rows as wgml tokenized and masked them
// (assistantOnlyLabels: labels = input_ids on assistant tokens, −100 elsewhere, unshifted), and
// generation prompts as wgml's chat template and tokenizer rendered them, with one seed per sample.
// So the CUDA path trains on, and samples from, exactly the tokens the WebGPU path would.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { LabelledExample } from '../train/labels.js';

export interface PromptRow {
  /** The item's index in its source file. */
  index: number;
  /** Fields copied into the chunk record ahead of `responses` (critique: index, problem, answer). */
  record: Record<string, unknown>;
  prompt_token_ids: number[];
  /** One per sample, in sample order. */
  seeds: number[];
}

const jsonl = (rows: readonly object[]): string => rows.map((r) => JSON.stringify(r) + '\n').join('');

async function writeJsonl(file: string, rows: readonly object[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, jsonl(rows));
}

export async function writeExamples(file: string, examples: readonly LabelledExample[]): Promise<void> {
  if (examples.length === 0) throw new ConfigError(`${file}: no training examples to write`);
  await writeJsonl(file, examples.map((e) => ({ input_ids: e.input_ids, labels: e.labels })));
}

export async function readExamples(file: string): Promise<LabelledExample[]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter((l) => l.trim()).map((line, i) => {
    const row = JSON.parse(line) as Partial<LabelledExample>;
    if (!Array.isArray(row.input_ids) || !Array.isArray(row.labels)) throw new ConfigError(`${file}:${i + 1}: expected input_ids and labels`);
    return { input_ids: row.input_ids, labels: row.labels };
  });
}

export async function writePrompts(file: string, rows: readonly PromptRow[]): Promise<void> {
  if (rows.length === 0) throw new ConfigError(`${file}: no prompts to write`);
  await writeJsonl(file, rows.map((r) => ({ index: r.index, record: r.record, prompt_token_ids: r.prompt_token_ids, seeds: r.seeds })));
}
