// A one-tensor model for testing the training loop: logits θ (V) shared by every position, loss
// −log softmax(θ)[label] per counted token. Its gradient is exact and cheap on the CPU.
import type { Device } from '../../src/gpu/device.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { add } from '../../src/tensor/ops/elementwise.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { Batch } from '../../src/train/batches.js';
import type { Trainable } from '../../src/train/trainer.js';
import { join } from 'node:path';

export class UnigramModel implements Trainable {
  readonly padId = 0;
  readonly tensorFile = 'weights.safetensors';
  parameters: Map<string, Tensor>;

  constructor(
    readonly device: Device,
    readonly V: number,
  ) {
    this.parameters = new Map([['theta', Tensor.from(device, new Float32Array(V), [V])]]);
  }

  private async probs(): Promise<Float64Array> {
    const theta = await this.parameters.get('theta')!.readFloat();
    const max = Math.max(...theta);
    const e = Float64Array.from(theta, (t) => Math.exp(t - max));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / z);
  }

  private targets(batch: Batch): number[] {
    const out: number[] = [];
    for (let b = 0; b < batch.B; b++) for (let t = 1; t < batch.T; t++) if (batch.labels[b * batch.T + t] !== -100) out.push(batch.labels[b * batch.T + t]!);
    return out;
  }

  async lossSum(batch: Batch): Promise<number> {
    const p = await this.probs();
    return this.targets(batch).reduce((s, l) => s - Math.log(p[l]!), 0);
  }

  async accumulateGrads(batch: Batch, scale: number, grads: Map<string, Tensor>): Promise<number> {
    const p = await this.probs();
    const targets = this.targets(batch);
    const g = new Float32Array(this.V);
    for (const l of targets) for (let v = 0; v < this.V; v++) g[v] += scale * (p[v]! - (v === l ? 1 : 0));
    const update = Tensor.from(this.device, g, [this.V]);
    const prev = grads.get('theta');
    grads.set('theta', prev ? add(prev, update) : update);
    if (prev) {
      prev.dispose();
      update.dispose();
    }
    return targets.reduce((s, l) => s - Math.log(p[l]!), 0);
  }

  async writeTrained(dir: string): Promise<void> {
    await writeSafetensors(join(dir, this.tensorFile), { theta: { dtype: 'F32', shape: [this.V], data: await this.parameters.get('theta')!.readFloat() } });
  }

  loadTrained(tensors: ReadonlyMap<string, Float32Array>): void {
    this.parameters.get('theta')!.dispose();
    this.parameters.set('theta', Tensor.from(this.device, tensors.get('theta')!, [this.V]));
  }
}
