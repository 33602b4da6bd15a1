// Full-parameter training of a (small) Qwen model: every weight is trainable, in f32.
import { join } from 'node:path';
import type { Device } from '../gpu/device.js';
import { WgmlError } from '../errors.js';
import { writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import { GradSink } from '../nn/grads.js';
import type { TrainableModel } from './trainable-model.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Batch } from './batches.js';
import { causalLmStep } from './causal-lm.js';
import type { Trainable } from './trainer.js';

export class FullTrainable implements Trainable {
  readonly tensorFile = 'model.safetensors';
  readonly parameters: ReadonlyMap<string, Tensor>;
  private readonly names: ReadonlyMap<Tensor, string>;

  constructor(readonly model: TrainableModel) {
    this.parameters = model.net.namedTensors();
    for (const [name, t] of this.parameters) {
      if (t.dtype !== 'f32') throw new WgmlError(`full-parameter training needs f32 weights; ${name} is ${t.dtype} (load the model with { dtype: 'f32' })`);
    }
    this.names = new Map([...this.parameters].map(([n, t]) => [t, n]));
  }

  get device(): Device {
    return this.model.device;
  }

  get padId(): number {
    return this.model.tokenizer.padTokenId ?? 0;
  }

  accumulateGrads(batch: Batch, scale: number, grads: Map<string, Tensor>, dropoutSeed: number): Promise<number> {
    return causalLmStep(this.model.net, batch, { grads: new GradSink(this.names, grads), scale, seed: dropoutSeed });
  }

  lossSum(batch: Batch): Promise<number> {
    return causalLmStep(this.model.net, batch);
  }

  async writeTrained(dir: string): Promise<void> {
    const tensors: Record<string, TensorToWrite> = {};
    for (const [name, t] of this.parameters) tensors[name] = { dtype: 'F32', shape: [...t.shape], data: await t.readFloat() };
    await writeSafetensors(join(dir, this.tensorFile), tensors);
  }

  loadTrained(tensors: ReadonlyMap<string, Float32Array>): void {
    for (const [name, t] of this.parameters) {
      const values = tensors.get(name);
      if (!values) throw new WgmlError(`checkpoint has no tensor ${name}`);
      t.write(values);
    }
  }
}
