// The model's LoRA adapter as PEFT's two files, in memory (the page offers them as downloads;
// `wgml generate --adapter DIR` loads them in Node). The same bytes LoraAdapter.save writes
// (tests/platform/peft-export.test.ts holds the two together).
import { encodeSafetensors } from '../io/safetensors-writer.js';
import type { Model } from '../model/model.js';

export async function adapterFiles(model: Model): Promise<Record<'adapter_config.json' | 'adapter_model.safetensors', Uint8Array>> {
  const adapter = model.adapter;
  if (!adapter) throw new Error('adapterFiles: the model carries no LoRA adapter');
  const weights: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of adapter.parameters) weights[name] = { dtype: 'F32', shape: [...t.shape], data: await t.readFloat() };
  const c = adapter.config;
  const config = {
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: c.r,
    lora_alpha: c.alpha,
    lora_dropout: c.dropout,
    target_modules: [...c.targetModules],
    use_rslora: c.useRslora,
    layers_to_transform: c.layersToTransform,
    bias: 'none',
    base_model_name_or_path: model.dir,
    fan_in_fan_out: false,
    ...(adapter.tokenRows ? { trainable_token_indices: [...adapter.tokenRows.ids] } : {}),
  };
  const chunks = encodeSafetensors('adapter_model.safetensors', weights, { format: 'pt' });
  const safetensors = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    safetensors.set(chunk, at);
    at += chunk.byteLength;
  }
  return { 'adapter_config.json': new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n'), 'adapter_model.safetensors': safetensors };
}
