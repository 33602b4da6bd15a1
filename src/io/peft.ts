// PEFT LoRA adapters on disk: adapter_config.json + adapter_model.safetensors (peft-format.ts has the
// names and contents), readable by peft.PeftModel.
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointFormatError } from '../errors.js';
import { parseAdapterConfigFile, resolveAdapterModules } from './adapter-config.js';
import { writeFileAtomic } from './atomic.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, type AdapterConfig, encodePeftAdapter, layersIn, type PeftAdapter } from './peft-format.js';
import { openSafetensors } from './safetensors.js';

export * from './peft-format.js';

export async function writePeftAdapter(dir: string, config: AdapterConfig, tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files = encodePeftAdapter(config, tensors);
  await writeFileAtomic(join(dir, ADAPTER_WEIGHTS), files[ADAPTER_WEIGHTS]);
  await writeFileAtomic(join(dir, ADAPTER_CONFIG), files[ADAPTER_CONFIG]);
}

/**
 * Reads a PEFT adapter for a model of `numLayers` layers (by default, as many as its tensor
 * names reach). Every tensor stored must belong to a selected module: a file holding LoRA for
 * modules its config does not target disagrees with itself, and is refused.
 */
export async function readPeftAdapter(dir: string, numLayers?: number): Promise<PeftAdapter> {
  const configFile = join(dir, ADAPTER_CONFIG);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(configFile, 'utf8'));
  } catch (error) {
    throw new CheckpointFormatError(`${configFile}: cannot read the adapter config (${(error as Error).message})`);
  }
  const file = parseAdapterConfigFile(json, configFile);
  const reader = await openSafetensors(join(dir, ADAPTER_WEIGHTS));
  try {
    const modules = resolveAdapterModules(file, numLayers ?? layersIn(reader.names()), configFile);
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const name of reader.names()) tensors.set(name, { shape: [...reader.info(name).shape], data: await reader.readF32(name) });
    return { config: { ...file, target_modules: typeof file.target_modules === 'string' ? file.target_modules : [...file.target_modules] }, modules, tensors };
  } finally {
    await reader.close();
  }
}
