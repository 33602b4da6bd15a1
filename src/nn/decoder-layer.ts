// One Qwen2/Qwen3 decoder layer: pre-norm GQA self-attention and a SwiGLU MLP, each residual.
// The forward returns what the backward needs; inference keeps nothing and fuses what it can.
import type { QwenConfig } from '../io/config.js';
import type { KvCache, StepInputs } from './kv-cache.js';
import { add } from '../tensor/ops/elementwise.js';
import { rmsNorm } from '../tensor/ops/rmsnorm.js';
import type { GradSink } from './grads.js';
import type { Tensor } from '../tensor/tensor.js';
import { disposeMlpActs, mlpBackward, mlpForward, mlpResidual, type MlpActs, type MlpWeights } from './mlp.js';
import { disposeAttentionActs, normBackward, selfAttention, selfAttentionBackward, selfAttentionForward, type AttentionActs, type AttentionWeights } from './self-attention.js';

export interface LayerWeights extends AttentionWeights, MlpWeights {
  inputNorm: Tensor;
  postNorm: Tensor;
}

export interface LayerActs {
  /** The layer's input (owned by the caller). */
  x: Tensor;
  h1: Tensor;
  rstd1: Tensor;
  attn: AttentionActs;
  x1: Tensor;
  h2: Tensor;
  rstd2: Tensor;
  mlp: MlpActs;
}

export interface LayerContext {
  layer: number;
  cfg: QwenConfig;
  cache: KvCache;
  step: StepInputs;
}

/** x: (B·T,C) f32 → (B·T,C) f32 and its activations; appends this layer's keys and values to the cache. */
export function decoderLayerForward(x: Tensor, w: LayerWeights, c: LayerContext, seed?: number): { y: Tensor; acts: LayerActs } {
  const eps = c.cfg.rmsNormEps;
  const n1 = rmsNorm(x, w.inputNorm, eps);
  const attn = selfAttentionForward(n1.y, w, c.layer, c.cfg, c.cache, c.step, seed);
  const x1 = add(x, attn.out);
  attn.out.dispose();
  const n2 = rmsNorm(x1, w.postNorm, eps);
  const mlp = mlpForward(n2.y, w, seed);
  const y = add(x1, mlp.out);
  mlp.out.dispose();
  return { y, acts: { x, h1: n1.y, rstd1: n1.rstd, attn: attn.acts, x1, h2: n2.y, rstd2: n2.rstd, mlp: mlp.acts } };
}

/** Frees the activations, all but the layer's input. */
export function disposeLayerActs(acts: LayerActs): void {
  disposeAttentionActs(acts.attn);
  disposeMlpActs(acts.mlp);
  for (const t of [acts.h1, acts.rstd1, acts.x1, acts.h2, acts.rstd2]) t.dispose();
}

/**
 * Inference: x is consumed, nothing kept for a backward; attention through selfAttention, whose
 * heads are normed, rotated and cached in fewer dispatches than the training forward's, and both
 * blocks add into the residual stream in their last product's dispatch where they can.
 */
export function decoderLayer(x: Tensor, w: LayerWeights, c: LayerContext): Tensor {
  const eps = c.cfg.rmsNormEps;
  const n1 = rmsNorm(x, w.inputNorm, eps);
  const x1 = selfAttention(n1.y, w, c.layer, c.cfg, c.cache, c.step, x);
  n1.y.dispose();
  n1.rstd.dispose();
  const n2 = rmsNorm(x1, w.postNorm, eps);
  const y = mlpResidual(n2.y, w, x1);
  n2.y.dispose();
  n2.rstd.dispose();
  return y;
}

/** Undoes `y = x1 + mlp(norm(x1))`, `x1 = x + attn(norm(x))`: dY → dX, gradients into `sink`. Consumes `acts` (not x). */
export function decoderLayerBackward(dY: Tensor, acts: LayerActs, w: LayerWeights, c: LayerContext, sink: GradSink): Tensor {
  const dh2 = mlpBackward(dY, acts.h2, acts.mlp, w, sink);
  const dNorm2 = normBackward(dh2, acts.x1, w.postNorm, acts.rstd2, sink);
  const dX1 = add(dY, dNorm2);
  const dh1 = selfAttentionBackward(dX1, acts.h1, acts.attn, w, c.layer, c.cfg, c.cache, c.step, sink);
  const dNorm1 = normBackward(dh1, acts.x, w.inputNorm, acts.rstd1, sink);
  const dX = add(dX1, dNorm1);
  for (const t of [dNorm2, dX1, dNorm1, acts.h1, acts.rstd1, acts.x1, acts.h2, acts.rstd2]) t.dispose();
  return dX;
}
