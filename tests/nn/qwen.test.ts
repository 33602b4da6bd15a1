import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model.js';
import { qwenLogitsRef } from '../../src/cpu/qwen.js';
import { CheckpointFormatError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { TINY_QWEN2, TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';
import { writeRandomQwen } from '../../src/io/random-model.js';
import { mkdtemp, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const device = await testDevice();

function randomIds(n: number, vocab: number): { ids: number[]; seed: number } {
  const { rng, seed } = freshRng();
  return { ids: Array.from({ length: n }, () => rng.int(vocab)), seed };
}

describe('Qwen forward', () => {
  it.each([
    ['Qwen3 (q/k norm, bf16, sharded)', { ...TINY_QWEN3, shards: 2 }],
    ['Qwen2 (qkv bias, tied head, bf16, one file)', TINY_QWEN2],
    ['Qwen2 (f32 checkpoint)', { ...TINY_QWEN2, dtype: 'F32' as const }],
  ])('%s logits match the reference forward at every position', async (_, spec) => {
    const tiny = await writeTinyQwen(spec);
    const model = await loadModel(tiny.dir, { device });
    const { ids, seed } = randomIds(13, tiny.config.vocabSize);
    const got = await model.logits(ids);
    const ref = qwenLogitsRef(tiny.weights, tiny.config, ids);
    expect(relError(got, ref), `seed ${seed}`).toBeLessThan(1e-4);
    model.dispose();
  });

  it('rejects token ids outside the vocabulary, naming the id', async () => {
    const tiny = await writeTinyQwen(TINY_QWEN3);
    const model = await loadModel(tiny.dir, { device });
    await expect(model.logits([1, 300, 2])).rejects.toThrow(/300/);
    model.dispose();
  });

  it('rejects a checkpoint tensor whose shape disagrees with config.json, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-bad-'));
    await writeRandomQwen(dir, { ...TINY_QWEN3, intermediateSize: 80 });
    const { writeFile, readFile } = await import('node:fs/promises');
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, intermediate_size: 96 }));
    await expect(loadModel(dir, { device })).rejects.toThrow(/mlp\.gate_proj\.weight.*\[80, 64\].*\[96, 64\]/);
  });

  it('rejects a checkpoint missing a tensor, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-missing-'));
    await writeRandomQwen(dir, { ...TINY_QWEN3, numLayers: 1 });
    const { writeFile, readFile } = await import('node:fs/promises');
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 2 }));
    await expect(loadModel(dir, { device })).rejects.toThrow(/missing tensor "model\.layers\.1\.input_layernorm\.weight"/);
  });

  it('rejects a truncated safetensors file, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-trunc-'));
    await writeRandomQwen(dir, TINY_QWEN3);
    await truncate(join(dir, 'model.safetensors'), 5000);
    await expect(loadModel(dir, { device })).rejects.toThrow(CheckpointFormatError);
    await expect(loadModel(dir, { device })).rejects.toThrow(/model\.safetensors/);
  });
});
