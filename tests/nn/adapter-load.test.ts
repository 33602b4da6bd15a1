// Loading a PEFT adapter applies what adapter_config.json says, or refuses it with a typed error.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError, ConfigError } from '../../src/errors.js';
import { Engine } from '../../src/engine/engine.js';
import { LoraLinear } from '../../src/nn/lora.js';
import { loadModel } from '../../src/model/model.js';
import { readPeftAdapter, writePeftAdapter } from '../../src/io/peft.js';
import { relError, testDevice } from '../helpers/gpu.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';

const device = await testDevice();
const tiny = await writeTinyQwen(TINY_QWEN3);
const ids = [3, 17, 42, 5, 99];

/** A trained-looking adapter (B nonzero) saved from `lora` options; returns its dir and logits. */
async function savedAdapter(lora: Parameters<Awaited<ReturnType<typeof loadModel>>['addLora']>[0]): Promise<{ dir: string; logits: Float32Array }> {
  const model = await loadModel(tiny.dir, { device });
  const adapter = model.addLora({ dropout: 0, ...lora }, 7);
  for (const t of adapter.parameters.values()) t.write(Float32Array.from({ length: t.size }, (_, i) => Math.sin(i + t.size) * 0.05));
  const dir = await mkdtemp(join(tmpdir(), 'wgml-adapter-'));
  await model.saveAdapter(dir);
  const logits = await model.logits(ids);
  model.dispose();
  return { dir, logits };
}

async function editConfig(dir: string, edit: (c: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const file = join(dir, 'adapter_config.json');
  await writeFile(file, JSON.stringify(edit(JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>)));
}

describe('adapter_config semantics on load', () => {
  it('layers_to_transform: LoRA only on the listed layers, and the same logits as before saving', async () => {
    const { dir, logits } = await savedAdapter({ r: 2, targetModules: ['q_proj', 'v_proj'], layersToTransform: [1] });
    expect(JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8')).layers_to_transform).toEqual([1]);
    const model = await loadModel(tiny.dir, { device, adapter: dir });
    expect(model.net.layers[0]!.q).not.toBeInstanceOf(LoraLinear);
    expect(model.net.layers[1]!.q).toBeInstanceOf(LoraLinear);
    expect(await model.logits(ids)).toEqual(logits);
    model.dispose();
  });

  it('"all-linear" target_modules loads an adapter on every projection', async () => {
    const { dir, logits } = await savedAdapter({ r: 2 });
    await editConfig(dir, (c) => ({ ...c, target_modules: 'all-linear' }));
    const model = await loadModel(tiny.dir, { device, adapter: dir });
    expect(await model.logits(ids)).toEqual(logits);
    model.dispose();
  });

  it('a regex target_modules loads the modules it matches', async () => {
    const { dir, logits } = await savedAdapter({ r: 2, targetModules: ['q_proj', 'v_proj'] });
    await editConfig(dir, (c) => ({ ...c, target_modules: 'model\\.layers\\.\\d+\\.self_attn\\.(q|v)_proj' }));
    const model = await loadModel(tiny.dir, { device, adapter: dir });
    expect(await model.logits(ids)).toEqual(logits);
    model.dispose();
  });

  it('stored tensors for modules target_modules does not select are refused, naming one', async () => {
    const { dir } = await savedAdapter({ r: 2, targetModules: ['q_proj', 'v_proj'] });
    await editConfig(dir, (c) => ({ ...c, target_modules: ['q_proj'] }));
    await expect(loadModel(tiny.dir, { device, adapter: dir })).rejects.toThrow(CheckpointFormatError);
    await expect(loadModel(tiny.dir, { device, adapter: dir })).rejects.toThrow(/v_proj\.lora_A\.weight.*do not select/);
  });

  it('use_dora is refused with a ConfigError naming the file and the field', async () => {
    const { dir } = await savedAdapter({ r: 2, targetModules: ['q_proj'] });
    await editConfig(dir, (c) => ({ ...c, use_dora: true }));
    const err = await loadModel(tiny.dir, { device, adapter: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/adapter_config\.json: field "use_dora"/);
  });
});

/** Rewrites adapter_model.safetensors of `dir` after `edit` changes its tensors. */
async function editTensors(dir: string, edit: (t: Map<string, { shape: number[]; data: Float32Array }>) => void): Promise<void> {
  const { config, tensors } = await readPeftAdapter(dir);
  edit(tensors);
  await writePeftAdapter(dir, config, tensors);
}

const V_PROJ0 = 'base_model.model.model.layers.0.self_attn.v_proj';

describe('adapter_config per-module selections on load', () => {
  it('per-layer targets (full module names): LoRA exactly where named, the same logits as the adapter with those modules at zero', async () => {
    const { dir } = await savedAdapter({ r: 2, targetModules: ['q_proj', 'v_proj'] });
    const reference = await loadModel(tiny.dir, { device, adapter: dir });
    reference.adapter!.parameters.get(`${V_PROJ0}.lora_B.weight`)!.write(new Float32Array(reference.adapter!.parameters.get(`${V_PROJ0}.lora_B.weight`)!.size));
    const want = await reference.logits(ids);
    reference.dispose();
    const names = Array.from({ length: TINY_QWEN3.numLayers }, (_, l) => [`model.layers.${l}.self_attn.q_proj`, ...(l === 0 ? [] : [`model.layers.${l}.self_attn.v_proj`])]).flat();
    await editConfig(dir, (c) => ({ ...c, target_modules: names }));
    await editTensors(dir, (t) => void [...t.keys()].filter((n) => n.startsWith(V_PROJ0)).forEach((n) => t.delete(n)));
    const model = await loadModel(tiny.dir, { device, adapter: dir });
    expect(model.net.layers[0]!.v).not.toBeInstanceOf(LoraLinear);
    expect(model.net.layers[1]!.v).toBeInstanceOf(LoraLinear);
    expect(await model.logits(ids)).toEqual(want);
    model.dispose();
  });

  it('rank_pattern and alpha_pattern: a rank-2 module with its own alpha computes what a zero-padded rank-4 module with the same scale does', async () => {
    const { dir } = await savedAdapter({ r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'] });
    const reference = await loadModel(tiny.dir, { device, adapter: dir });
    const [a, b] = [reference.adapter!.parameters.get(`${V_PROJ0}.lora_A.weight`)!, reference.adapter!.parameters.get(`${V_PROJ0}.lora_B.weight`)!];
    const [A, B] = [await a.readFloat(), await b.readFloat()];
    const [inp, out] = [a.shape[1]!, b.shape[0]!];
    // Rank 2 keeps A's first two rows and B's first two columns; alpha 6 at rank 2 is scale 3, the
    // rank-4 reference's scale is 8/4 = 2, so its B carries the factor 1.5.
    const A2 = A.subarray(0, 2 * inp);
    const B2 = Float32Array.from({ length: out * 2 }, (_, i) => B[Math.floor(i / 2) * 4 + (i % 2)]!);
    a.write(Float32Array.from({ length: 4 * inp }, (_, i) => (i < 2 * inp ? A[i]! : 0)));
    b.write(Float32Array.from({ length: out * 4 }, (_, i) => (i % 4 < 2 ? 1.5 * B2[Math.floor(i / 4) * 2 + (i % 4)]! : 0)));
    const want = await reference.logits(ids);
    reference.dispose();
    await editConfig(dir, (c) => ({ ...c, rank_pattern: { 'layers.0.self_attn.v_proj': 2 }, alpha_pattern: { 'layers\\.0\\.self_attn\\.v_proj': 6 } }));
    await editTensors(dir, (t) => {
      t.set(`${V_PROJ0}.lora_A.weight`, { shape: [2, inp], data: Float32Array.from(A2) });
      t.set(`${V_PROJ0}.lora_B.weight`, { shape: [out, 2], data: B2 });
    });
    const model = await loadModel(tiny.dir, { device, adapter: dir });
    const v0 = model.net.layers[0]!.v as LoraLinear;
    expect([v0.A.shape[0], v0.scaling]).toEqual([2, 3]);
    expect((model.net.layers[1]!.v as LoraLinear).scaling).toBe(2);
    expect(relError(await model.logits(ids), want)).toBeLessThan(1e-5);
    const again = await mkdtemp(join(tmpdir(), 'wgml-adapter-again-'));
    await model.saveAdapter(again);
    const written = JSON.parse(await readFile(join(again, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect([written.r, written.lora_alpha, written.rank_pattern, written.alpha_pattern]).toEqual([4, 8, { 'model.layers.0.self_attn.v_proj': 2 }, { 'model.layers.0.self_attn.v_proj': 6 }]);
    const reloaded = await loadModel(tiny.dir, { device, adapter: again });
    expect(await reloaded.logits(ids)).toEqual(await model.logits(ids));
    reloaded.dispose();
    model.dispose();
  });

  it('the engine applies rank_pattern and alpha_pattern as loadModel does (the same greedy tokens)', async () => {
    const { dir } = await savedAdapter({ r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj', 'down_proj'] });
    await editConfig(dir, (c) => ({ ...c, rank_pattern: { down_proj: 2 }, alpha_pattern: { v_proj: 40 } }));
    await editTensors(dir, (t) => {
      for (const [name, x] of t) {
        if (!name.includes('down_proj')) continue;
        const [rows, cols] = x.shape as [number, number];
        t.set(name, name.includes('lora_A') ? { shape: [2, cols], data: x.data.slice(0, 2 * cols) } : { shape: [rows, 2], data: Float32Array.from({ length: rows * 2 }, (_, i) => x.data[Math.floor(i / 2) * cols + (i % 2)]!) });
      }
    });
    const alone = await loadModel(tiny.dir, { device, adapter: dir });
    const want = (await alone.generateIds([ids], { maxNewTokens: 8, stopTokenIds: [] }))[0];
    alone.dispose();
    const base = await loadModel(tiny.dir, { device });
    const engine = new Engine(base);
    await engine.loadAdapter('p', dir);
    const tokens: number[] = [];
    for await (const e of engine.submit({ ids, adapter: 'p', maxNewTokens: 8, stopTokenIds: [] })) if (e.token !== undefined) tokens.push(e.token);
    const plain = (await base.generateIds([ids], { maxNewTokens: 8, stopTokenIds: [] }))[0];
    expect(tokens).toEqual(want);
    expect(tokens, 'the adapter changes the output').not.toEqual(plain);
    engine.dispose();
    base.dispose();
  });

  it('a stored tensor whose rank is not the one rank_pattern gives is refused before any GPU work', async () => {
    const { dir } = await savedAdapter({ r: 4, targetModules: ['q_proj'] });
    await editConfig(dir, (c) => ({ ...c, rank_pattern: { q_proj: 2 } }));
    await expect(loadModel(tiny.dir, { device, adapter: dir })).rejects.toThrow(/q_proj\.lora_A\.weight has shape \[4, \d+\], the model needs \[2, \d+\]/);
  });
});
