// The new tokens' trained rows in PEFT's adapter layout, both ways: wgml writes
// trainable_token_indices and the rows under PEFT's keys (…embed_tokens.token_adapter.trainable_tokens_delta,
// and …lm_head.token_adapter.trainable_tokens_delta for an untied head), reads them back, and reads a
// file laid out as PEFT's save_pretrained writes it (the CUDA worker's adapter) into the right ids.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { readPeftAdapter } from '../../src/io/peft.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { loadModel } from '../../src/model/model.js';
import { EMBED_ROWS_NAME, HEAD_ROWS_NAME } from '../../src/nn/token-rows.js';
import { testDevice } from '../helpers/gpu.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';

const device = await testDevice();
const untied = await writeTinyQwen(TINY_QWEN3);
const tied = await writeTinyQwen({ ...TINY_QWEN3, tieWordEmbeddings: true, seed: 11 });
const C = TINY_QWEN3.hiddenSize;
// Not in id order: row j of the stored tensor belongs to ids[j].
const ids = [299, 297];
const rowsOf = (seed: number) => Float32Array.from({ length: ids.length * C }, (_, i) => Math.sin(seed + i) * 0.5);
const tempDir = () => mkdtemp(join(tmpdir(), 'wgml-token-rows-'));
const configOf = async (dir: string) => JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;

/** An adapter as PEFT's save_pretrained writes LoRA (q_proj, v_proj; B = 0) with trainable_token_indices. */
async function peftAdapter(indices: unknown, rows: Record<string, Float32Array>): Promise<string> {
  const dir = await tempDir();
  const { numLayers, numHeads, numKvHeads, headDim } = TINY_QWEN3;
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (let l = 0; l < numLayers; l++) {
    for (const [target, out] of [['q_proj', numHeads * headDim], ['v_proj', numKvHeads * headDim]] as const) {
      const at = `base_model.model.model.layers.${l}.self_attn.${target}`;
      tensors[`${at}.lora_A.weight`] = { dtype: 'F32', shape: [4, C], data: Float32Array.from({ length: 4 * C }, (_, i) => Math.cos(i) * 0.1) };
      tensors[`${at}.lora_B.weight`] = { dtype: 'F32', shape: [out, 4], data: new Float32Array(out * 4) };
    }
  }
  for (const [name, data] of Object.entries(rows)) tensors[name] = { dtype: 'F32', shape: [ids.length, C], data };
  await writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors, { format: 'pt' });
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({
    alpha_pattern: {}, auto_mapping: null, base_model_name_or_path: '/runs/special-tokens/r/model', bias: 'none', fan_in_fan_out: false,
    inference_mode: true, init_lora_weights: true, layers_pattern: null, layers_to_transform: null, lora_alpha: 8, lora_dropout: 0.0,
    modules_to_save: null, peft_type: 'LORA', r: 4, rank_pattern: {}, revision: null, target_modules: ['v_proj', 'q_proj'],
    task_type: 'CAUSAL_LM', trainable_token_indices: indices, use_dora: false, use_rslora: false,
  }));
  return dir;
}

/** Rows `ids` of a table after a forward (the trained rows are copied in before each use). */
async function tableRows(model: Awaited<ReturnType<typeof loadModel>>, which: 'embed' | 'head'): Promise<Float32Array> {
  await model.logits([1, 2]);
  const table = await (which === 'embed' ? model.net.embedTokens : model.net.lmHead.weight).readFloat();
  return Float32Array.from(ids.flatMap((id) => [...table.subarray(id * C, (id + 1) * C)]));
}

describe('token rows in the PEFT adapter wgml writes', () => {
  it('a tied model writes the id list and the embedding rows only, which PEFT ties to lm_head', async () => {
    const model = await loadModel(tied.dir, { device });
    const adapter = model.addLora({ r: 2, dropout: 0, targetModules: ['q_proj'], trainableTokenIndices: ids });
    [...adapter.parameters].find(([n]) => n === EMBED_ROWS_NAME)![1].write(rowsOf(1));
    const dir = await tempDir();
    await model.saveAdapter(dir);
    const { tensors } = await readPeftAdapter(dir);
    expect((await configOf(dir)).trainable_token_indices).toEqual(ids);
    expect([...tensors.keys()].filter((n) => n.includes('token_adapter'))).toEqual([EMBED_ROWS_NAME]);
    const logits = await model.logits([297, 5, 299]);
    const reloaded = await loadModel(tied.dir, { device, adapter: dir });
    expect(await reloaded.logits([297, 5, 299])).toEqual(logits);
    for (const m of [model, reloaded]) m.dispose();
  });

  it('an untied model names both modules, so PEFT loads the head rows too, and reads them back', async () => {
    const model = await loadModel(untied.dir, { device });
    const adapter = model.addLora({ r: 2, dropout: 0, targetModules: ['q_proj'], trainableTokenIndices: ids });
    const params = new Map(adapter.parameters);
    params.get(EMBED_ROWS_NAME)!.write(rowsOf(1));
    params.get(HEAD_ROWS_NAME)!.write(rowsOf(2));
    const dir = await tempDir();
    await model.saveAdapter(dir);
    expect((await configOf(dir)).trainable_token_indices).toEqual({ embed_tokens: ids, lm_head: ids });
    const reloaded = await loadModel(untied.dir, { device, adapter: dir });
    expect([await tableRows(reloaded, 'embed'), await tableRows(reloaded, 'head')]).toEqual([rowsOf(1), rowsOf(2)]);
    for (const m of [model, reloaded]) m.dispose();
  });
});

describe('token rows in an adapter laid out as PEFT writes it', () => {
  it('a tied model: the id list, the embedding rows land on their ids in embed_tokens (and so in lm_head)', async () => {
    const dir = await peftAdapter(ids, { [EMBED_ROWS_NAME]: rowsOf(3) });
    const model = await loadModel(tied.dir, { device, adapter: dir });
    expect(await tableRows(model, 'embed')).toEqual(rowsOf(3));
    expect(model.net.lmHead.weight).toBe(model.net.embedTokens);
    model.dispose();
  });

  it('an untied model: {embed_tokens, lm_head}, each table gets its own rows on their ids, the others untouched', async () => {
    const dir = await peftAdapter({ embed_tokens: ids, lm_head: ids }, { [EMBED_ROWS_NAME]: rowsOf(4), [HEAD_ROWS_NAME]: rowsOf(5) });
    const model = await loadModel(untied.dir, { device, adapter: dir });
    expect([await tableRows(model, 'embed'), await tableRows(model, 'head')]).toEqual([rowsOf(4), rowsOf(5)]);
    const table = await model.net.embedTokens.readFloat();
    expect(table.subarray(298 * C, 299 * C)).toEqual(untied.weights.get('model.embed_tokens.weight')!.subarray(298 * C, 299 * C));
    model.dispose();
  });

  it('refuses lm_head rows for other ids than embed_tokens, naming the file and field', async () => {
    const dir = await peftAdapter({ embed_tokens: ids, lm_head: [5, 6] }, { [EMBED_ROWS_NAME]: rowsOf(4), [HEAD_ROWS_NAME]: rowsOf(5) });
    await expect(loadModel(untied.dir, { device, adapter: dir })).rejects.toThrow(ConfigError);
    await expect(loadModel(untied.dir, { device, adapter: dir })).rejects.toThrow(/adapter_config\.json: field "trainable_token_indices" gives lm_head \[5,6\]/);
  });

  it('refuses token rows of a module other than embed_tokens and lm_head', async () => {
    const dir = await peftAdapter({ embed_tokens: ids, 'model.layers.0.mlp': ids }, { [EMBED_ROWS_NAME]: rowsOf(4) });
    await expect(loadModel(tied.dir, { device, adapter: dir })).rejects.toThrow(/names module "model\.layers\.0\.mlp"/);
  });
});
