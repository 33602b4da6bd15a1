// Loading a PEFT adapter applies what adapter_config.json says, or refuses it with a typed error.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError, ConfigError } from '../../src/errors.js';
import { LoraLinear } from '../../src/nn/lora.js';
import { loadModel } from '../../src/model/model.js';
import { testDevice } from '../helpers/gpu.js';
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
