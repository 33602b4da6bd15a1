// A WeightLoader that remembers what it put on the GPU, so a load that fails part way (a
// missing tensor in layer 5, a bad adapter after the base loaded) gives every byte back to
// the caller's device instead of leaking the half-built model.
import type { QuantTensor } from '../quant/quant-tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { WeightLoader } from './weights.js';

export class UndoableWeightLoader extends WeightLoader {
  private readonly loaded: (Tensor | QuantTensor)[] = [];

  override async load(name: string, shape: readonly number[]): Promise<Tensor> {
    return this.remember(await super.load(name, shape));
  }

  // An unquantized projection goes through load() too and is remembered twice; dispose() is
  // idempotent, so that is harmless.
  override async loadProjection(name: string, shape: readonly [number, number]): Promise<Tensor | QuantTensor> {
    return this.remember(await super.loadProjection(name, shape));
  }

  /** Frees every tensor this loader created. */
  disposeLoaded(): void {
    for (const t of this.loaded) t.dispose();
    this.loaded.length = 0;
  }

  private remember<T extends Tensor | QuantTensor>(t: T): T {
    this.loaded.push(t);
    return t;
  }
}
