import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeRandomQwen, type RandomQwenSpec } from '../../src/io/random-model.js';
import { readQwenConfig } from '../../src/io/config.js';
import { openSafetensors } from '../../src/io/safetensors.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { roundTo } from '../../src/tensor/half.js';

const spec: RandomQwenSpec = {
  architecture: 'Qwen3ForCausalLM',
  hiddenSize: 32,
  intermediateSize: 48,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 8,
  vocabSize: 300,
};

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'wgml-random-'));
}

describe('writeRandomQwen', () => {
  it('writes a directory whose config, tokenizer and weights load back', async () => {
    const dir = await tempDir();
    const values = await writeRandomQwen(dir, spec);
    const config = await readQwenConfig(dir);
    expect(config).toMatchObject({ hiddenSize: 32, numLayers: 2, numKvHeads: 2, headDim: 8, qkNorm: true, qkvBias: false });
    const weights = await openSafetensors(dir);
    const q = 'model.layers.1.self_attn.q_proj.weight';
    expect(weights.info(q)).toMatchObject({ dtype: 'BF16', shape: [32, 32] });
    expect(await weights.readF32(q)).toEqual(roundTo(values.get(q)!, 'bf16'));
    await weights.close();
    const tokenizer = await loadTokenizer(dir);
    const text = 'Hello, wörld! 12 + 30 = 42 🙂';
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(tokenizer.eosTokenIds).toContain(tokenizer.tokenToId('<|im_end|>'));
  });

  it('shards the weights with an index when asked', async () => {
    const dir = await tempDir();
    await writeRandomQwen(dir, { ...spec, architecture: 'Qwen2ForCausalLM', shards: 3 });
    const weights = await openSafetensors(dir);
    expect(new Set(weights.names().map((n) => weights.info(n).file)).size).toBe(3);
    expect(weights.has('model.layers.0.self_attn.k_proj.bias')).toBe(true);
    await weights.close();
  });
});
