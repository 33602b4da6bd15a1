// loadModel: a HuggingFace Qwen directory on a device, with its tokenizer: the library's front door.
import type { Device } from '../gpu/device.js';
import { createDevice } from '../gpu/device.js';
import { readQwenConfig, type QwenConfig } from '../io/config.js';
import { openSafetensors } from '../io/safetensors.js';
import { loadTokenizer, type Tokenizer } from '../io/tokenizer.js';
import { QwenModel } from './qwen.js';
import { WeightLoader } from './weights.js';

export interface LoadModelOptions {
  /** Defaults to createDevice(); a device made here is destroyed by Model.dispose(). */
  device?: Device;
}

export class Model {
  constructor(
    readonly dir: string,
    readonly net: QwenModel,
    readonly tokenizer: Tokenizer,
    private readonly ownsDevice: boolean,
  ) {}

  get config(): QwenConfig {
    return this.net.config;
  }

  get device(): Device {
    return this.net.device;
  }

  /** Logits at every position: (ids.length, vocab) row-major. */
  logits(ids: readonly number[]): Promise<Float32Array> {
    return this.net.logits(ids);
  }

  dispose(): void {
    this.net.dispose();
    if (this.ownsDevice) this.device.destroy();
  }
}

export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<Model> {
  const config = await readQwenConfig(dir);
  const tokenizer = await loadTokenizer(dir);
  const device = options.device ?? (await createDevice());
  const reader = await openSafetensors(dir);
  try {
    const net = await QwenModel.load(device, config, new WeightLoader(device, reader));
    return new Model(dir, net, tokenizer, options.device === undefined);
  } catch (error) {
    if (!options.device) device.destroy();
    throw error;
  } finally {
    await reader.close();
  }
}
