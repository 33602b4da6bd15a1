// A Qwen model with a LoRA adapter, as the training loop sees it.
import { GradSink } from '../nn/grads.js';
import type { Device } from '../gpu/device.js';
import { ADAPTER_WEIGHTS, writePeftAdapter } from '../io/peft.js';
import type { TrainableModel } from './trainable-model.js';
import type { LoraAdapter } from '../nn/lora-adapter.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Batch } from './batches.js';
import { causalLmStep } from './causal-lm.js';
import type { Trainable } from './trainer.js';

export class LoraTrainable implements Trainable {
  readonly tensorFile = ADAPTER_WEIGHTS;

  constructor(
    readonly model: TrainableModel,
    readonly adapter: LoraAdapter,
  ) {}

  get device(): Device {
    return this.model.device;
  }

  get padId(): number {
    return this.model.tokenizer.padTokenId ?? 0;
  }

  get parameters(): ReadonlyMap<string, Tensor> {
    return this.adapter.parameters;
  }

  accumulateGrads(batch: Batch, scale: number, grads: Map<string, Tensor>, dropoutSeed: number): Promise<number> {
    return causalLmStep(this.model.net, batch, { grads: new GradSink(new Map(), grads), scale, seed: dropoutSeed, tokenRows: this.adapter.tokenRows });
  }

  lossSum(batch: Batch): Promise<number> {
    return causalLmStep(this.model.net, batch, { tokenRows: this.adapter.tokenRows });
  }

  async writeTrained(dir: string): Promise<void> {
    const { config, tensors } = await this.adapter.peft(this.model.dir);
    await writePeftAdapter(dir, config, tensors);
  }

  loadTrained(tensors: ReadonlyMap<string, Float32Array>): void {
    this.adapter.loadTensors(tensors, 'checkpoint');
  }
}
