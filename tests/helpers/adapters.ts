// PEFT adapters with random, non-zero weights for a tiny model, written to temp dirs.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/cpu/random.js';
import type { Model } from '../../src/model/model.js';
import type { LoraConfig } from '../../src/nn/lora-adapter.js';

/** Attaches a LoRA with every A and B drawn from `seed`, saves it in PEFT's format and detaches it. */
export async function writeRandomAdapter(model: Model, seed: number, config: Partial<LoraConfig> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-adapter-'));
  const adapter = model.addLora({ r: 4, alpha: 8, ...config });
  const rng = new Rng(seed);
  const values = new Map([...adapter.parameters].map(([name, t]) => [name, rng.normals(t.size, 0.3)]));
  adapter.loadTensors(values);
  await model.saveAdapter(dir);
  adapter.detach();
  model.adapter = null;
  return dir;
}
