// One Qwen2/Qwen3 decoder layer: pre-norm GQA self-attention and a SwiGLU MLP, each residual.
import type { QwenConfig } from '../io/config.js';
import type { KvCache, StepInputs } from '../generate/kv-cache.js';
import { attention } from '../tensor/ops/attention.js';
import { add } from '../tensor/ops/elementwise.js';
import { writeKv } from '../tensor/ops/kv-cache.js';
import { rmsNorm } from '../tensor/ops/rmsnorm.js';
import { applyRope } from '../tensor/ops/rope.js';
import { siluMul } from '../tensor/ops/silu-mul.js';
import type { Tensor } from '../tensor/tensor.js';

/** What a layer needs of a projection: Linear (bf16/f32) and QuantLinear (4-bit) both are one. */
export interface Projection {
  /** x: (N,in) f32 → (N,out) f32 */
  forward(x: Tensor): Tensor;
  /** dY: (N,out) f32 → dX: (N,in) f32 through the frozen weight. */
  backwardInput(dY: Tensor): Tensor;
  dispose(): void;
}

export interface LayerWeights {
  inputNorm: Tensor;
  q: Projection;
  k: Projection;
  v: Projection;
  o: Projection;
  /** Qwen3's per-head norms of q and k. */
  qNorm?: Tensor;
  kNorm?: Tensor;
  postNorm: Tensor;
  gate: Projection;
  up: Projection;
  down: Projection;
}

/** Consumes `x` and returns a new tensor; `x` is disposed. */
function residual(x: Tensor, delta: Tensor): Tensor {
  const y = add(x, delta);
  x.dispose();
  delta.dispose();
  return y;
}

function normed(x: Tensor, weight: Tensor, eps: number): Tensor {
  const { y, rstd } = rmsNorm(x, weight, eps);
  rstd.dispose();
  return y;
}

/** x: (B·T,C) → (B,T,heads,D) projected, per-head normed (Qwen3) and rotated. */
function projectHeads(x: Tensor, proj: Projection, norm: Tensor | undefined, cfg: QwenConfig, B: number, step: StepInputs): Tensor {
  const flat = proj.forward(x);
  const heads = flat.reshape([B, step.T, flat.cols / cfg.headDim, cfg.headDim]);
  flat.dispose();
  const n = norm ? normed(heads, norm, cfg.rmsNormEps) : heads;
  if (norm) heads.dispose();
  const rotated = applyRope(n, { theta: cfg.ropeTheta, positions: step.positions });
  n.dispose();
  return rotated;
}

function selfAttention(h: Tensor, w: LayerWeights, layer: number, cfg: QwenConfig, cache: KvCache, step: StepInputs): Tensor {
  const B = cache.batch;
  const q = projectHeads(h, w.q, w.qNorm, cfg, B, step);
  const k = projectHeads(h, w.k, w.kNorm, cfg, B, step);
  const vFlat = w.v.forward(h);
  const v = vFlat.reshape([B, step.T, cfg.numKvHeads, cfg.headDim]);
  vFlat.dispose();
  writeKv(cache.keys[layer]!, k, step.offsets);
  writeKv(cache.values[layer]!, v, step.offsets);
  k.dispose();
  v.dispose();
  const { out, lse } = attention(q, cache.keys[layer]!, cache.values[layer]!, { kvLengths: step.kvLengths });
  q.dispose();
  lse.dispose();
  const flat = out.reshape([B * step.T, cfg.numHeads * cfg.headDim]);
  out.dispose();
  const o = w.o.forward(flat);
  flat.dispose();
  return o;
}

function mlp(h: Tensor, w: LayerWeights): Tensor {
  const gate = w.gate.forward(h);
  const up = w.up.forward(h);
  const act = siluMul(gate, up);
  gate.dispose();
  up.dispose();
  const down = w.down.forward(act);
  act.dispose();
  return down;
}

/** x: (B·T,C) f32 → (B·T,C) f32; appends this layer's keys and values to the cache. `x` is consumed. */
export function decoderLayer(x: Tensor, w: LayerWeights, layer: number, cfg: QwenConfig, cache: KvCache, step: StepInputs): Tensor {
  const h1 = normed(x, w.inputNorm, cfg.rmsNormEps);
  const attn = selfAttention(h1, w, layer, cfg, cache, step);
  h1.dispose();
  const x1 = residual(x, attn);
  const h2 = normed(x1, w.postNorm, cfg.rmsNormEps);
  const m = mlp(h2, w);
  h2.dispose();
  return residual(x1, m);
}
