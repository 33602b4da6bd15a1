// One causal-LM forward and backward of the Qwen model: HF's shifted cross-entropy over the
// counted labels, gradients of every LoRA tensor by PEFT name. Only each layer's input is kept
// through the forward (gradient checkpointing); the backward recomputes one layer at a time.
import { disposeStep } from '../nn/kv-cache.js';
import { pcgHash } from '../cpu/random.js';
import { decoderLayerBackward, decoderLayerForward, disposeLayerActs, type LayerContext } from '../nn/decoder-layer.js';
import type { GradSink } from '../nn/grads.js';
import type { TokenRows } from '../nn/token-rows.js';
import { normBackward } from '../nn/self-attention.js';
import type { QwenModel } from '../nn/qwen.js';
import { crossEntropy, crossEntropyBackward, IGNORE_INDEX, meanLoss } from '../tensor/ops/cross-entropy.js';
import { embedding, embeddingBackward, validateIds } from '../tensor/ops/embedding.js';
import { rmsNorm } from '../tensor/ops/rmsnorm.js';
import { Tensor } from '../tensor/tensor.js';
import type { Batch } from './batches.js';

/** labels[t+1] at position t of each row, −100 at a row's last position: what the logits at t predict. */
export function shiftLabels(labels: readonly number[], B: number, T: number): number[] {
  return Array.from({ length: B * T }, (_, i) => (i % T === T - 1 ? IGNORE_INDEX : labels[i + 1]!));
}

export interface StepOptions {
  /** Gradients of scale·Σ token losses (adapters and trainable tensors) are added here; omit for the loss alone. */
  grads?: GradSink;
  scale?: number;
  /** Trainable rows of new tokens: synced into the tables first, their gradients into `grads`. */
  tokenRows?: TokenRows;
  /** LoRA dropout stream of this micro-batch (training only). */
  seed?: number;
}

/** Σ token losses of the batch (counted tokens only); with `grads`, their gradients too. */
export async function causalLmStep(net: QwenModel, batch: Batch, o: StepOptions = {}): Promise<number> {
  const { B, T } = batch;
  validateIds(batch.inputIds, net.config.vocabSize, 'input_ids');
  if (batch.counted === 0) throw new RangeError('causal LM step: no token has a label (all are −100 after the shift)');
  const cache = net.newCache(B, T);
  const step = cache.append(new Array<number>(B).fill(T));
  const ctx = (layer: number): LayerContext => ({ layer, cfg: net.config, cache, step });
  o.tokenRows?.sync();
  const ids = Tensor.from(net.device, batch.inputIds, [B, T], 'i32');
  const emb = embedding(net.embedTokens, ids);
  const inputs = [emb.reshape([B * T, net.config.hiddenSize])];
  emb.dispose();
  ids.dispose();
  // Training forwards (a seed, distinct per layer and identical in the recomputation) keep the adapters' inputs.
  const seedOf = (layer: number) => (o.grads ? pcgHash(((o.seed ?? 0) + Math.imul(layer + 1, 0x9e3779b9)) >>> 0) : undefined);
  net.layers.forEach((w, i) => {
    const { y, acts } = decoderLayerForward(inputs[i]!, w, ctx(i), seedOf(i));
    disposeLayerActs(acts);
    inputs.push(y);
  });
  const last = inputs.at(-1)!;
  const normed = rmsNorm(last, net.norm, net.config.rmsNormEps);
  const logits = net.lmHead.forward(normed.y);
  const labels = shiftLabels(batch.labels, B, T);
  const { losses, lse } = crossEntropy(logits, labels);
  const mean = meanLoss(losses, labels, net.config.vocabSize);
  losses.dispose();
  // The backward is recorded before the loss is read, so forward and backward are one submission.
  if (o.grads) {
    const dLogits = crossEntropyBackward(logits, labels, lse, o.scale ?? 1);
    const dNormed = o.grads.nameOf(net.lmHead.weight) ? net.lmHead.backward(dLogits, normed.y, o.grads) : net.lmHead.backwardInput(dLogits);
    o.tokenRows?.backwardHead(dLogits, normed.y, o.grads);
    dLogits.dispose();
    let dx = normBackward(dNormed, last, net.norm, normed.rstd, o.grads);
    for (let i = net.layers.length - 1; i >= 0; i--) {
      const { y, acts } = decoderLayerForward(inputs[i]!, net.layers[i]!, ctx(i), seedOf(i));
      y.dispose();
      const dPrev = decoderLayerBackward(dx, acts, net.layers[i]!, ctx(i), o.grads);
      dx.dispose();
      dx = dPrev;
    }
    const embedName = o.grads.nameOf(net.embedTokens);
    if (embedName) o.grads.add(embedName, embeddingBackward(dx, batch.inputIds, net.config.vocabSize));
    o.tokenRows?.backwardEmbed(dx, batch.inputIds, o.grads);
    dx.dispose();
  }
  const lossSum = (await mean.readFloat())[0]! * batch.counted;
  for (const t of [...inputs, normed.y, normed.rstd, logits, lse, mean]) t.dispose();
  disposeStep(step);
  cache.dispose();
  return lossSum;
}
