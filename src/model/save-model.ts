// Writes a model as a HuggingFace directory: its config and companion files as loaded, and the
// current weights (after training or a merged adapter) in bf16 or f32; the directory is replaced
// atomically (model-dir.ts).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SINGLE_FILE, writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import type { Model } from './model.js';
import { writeModelDir } from './model-dir.js';

export async function saveModel(model: Model, dir: string, dtype: 'BF16' | 'F32' = 'BF16'): Promise<void> {
  const config = JSON.parse(await readFile(join(model.dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, t] of model.net.namedTensors()) tensors[name] = { dtype, shape: [...t.shape], data: await t.readFloat() };
  await writeModelDir(model.dir, dir, async (tmp) => {
    await writeSafetensors(join(tmp, SINGLE_FILE), tensors, { format: 'pt' });
    await writeFile(join(tmp, 'config.json'), JSON.stringify({ ...config, torch_dtype: dtype === 'BF16' ? 'bfloat16' : 'float32' }, null, 2) + '\n');
  });
}
