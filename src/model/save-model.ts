// Writes a model as a HuggingFace directory: its config and tokenizer files as loaded, and the
// current weights (after training or a merged adapter) in bf16 or f32, written atomically.
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { SINGLE_FILE, writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import type { Model } from './model.js';

const WEIGHT_FILE = /\.safetensors$|^model\.safetensors\.index\.json$/;

export async function saveModel(model: Model, dir: string, dtype: 'BF16' | 'F32' = 'BF16'): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(model.dir)) {
    if (WEIGHT_FILE.test(name) || name === 'config.json' || !name.endsWith('.json')) continue;
    await copyFile(join(model.dir, name), join(dir, name));
  }
  const config = JSON.parse(await readFile(join(model.dir, 'config.json'), 'utf8'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, t] of model.net.namedTensors()) tensors[name] = { dtype, shape: [...t.shape], data: await t.readFloat() };
  await writeSafetensors(join(dir, SINGLE_FILE), tensors, { format: 'pt' });
  await writeFileAtomic(join(dir, 'config.json'), JSON.stringify({ ...config, torch_dtype: dtype === 'BF16' ? 'bfloat16' : 'float32' }, null, 2) + '\n');
}
