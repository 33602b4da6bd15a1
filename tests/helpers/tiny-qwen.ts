// Tiny random Qwen models in HF format, written once per spec into a temp dir.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQwenConfig, type QwenConfig } from '../../src/io/config.js';
import { writeRandomQwen, type RandomQwenSpec } from '../../src/io/random-model.js';
import { roundTo } from '../../src/tensor/half.js';
import { readFile } from 'node:fs/promises';

export const TINY_QWEN3: RandomQwenSpec = {
  architecture: 'Qwen3ForCausalLM',
  hiddenSize: 64,
  intermediateSize: 96,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  vocabSize: 300,
  seed: 3,
};

export const TINY_QWEN2: RandomQwenSpec = {
  ...TINY_QWEN3,
  architecture: 'Qwen2ForCausalLM',
  numHeads: 6,
  numKvHeads: 2,
  headDim: 8,
  tieWordEmbeddings: true,
  seed: 5,
};

export interface TinyModel {
  dir: string;
  config: QwenConfig;
  /** The weights as the GPU sees them (bf16-rounded), for the reference forward. */
  weights: Map<string, Float32Array>;
}

export async function writeTinyQwen(spec: RandomQwenSpec): Promise<TinyModel> {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-tiny-'));
  const values = await writeRandomQwen(dir, spec);
  const weights = new Map([...values].map(([k, v]) => [k, spec.dtype === 'F32' ? v : roundTo(v, 'bf16')]));
  const config = parseQwenConfig(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')), dir);
  return { dir, config, weights };
}
