// The self-attention block of a Qwen layer, forward and backward: q/k/v projections, Qwen3's
// per-head q/k norms, RoPE, the KV cache write, causal GQA attention, and the output projection.
import type { QwenConfig } from '../io/config.js';
import type { KvCache, StepInputs } from './kv-cache.js';
import { attention, attentionBackward } from '../tensor/ops/attention.js';
import { add } from '../tensor/ops/elementwise.js';
import { writeKv } from '../tensor/ops/kv-cache.js';
import { rmsNorm, rmsNormBackward } from '../tensor/ops/rmsnorm.js';
import { applyRope, applyRopeBackward, normRope, normRopeIntoCache } from '../tensor/ops/rope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GradSink } from './grads.js';
import type { LoraSaved } from './lora.js';
import { projectAdd, projectBackward, projectTrain, subSeed, type Projection } from './projection.js';

export interface AttentionWeights {
  q: Projection;
  k: Projection;
  v: Projection;
  o: Projection;
  /** Qwen3's per-head norms of q and k. */
  qNorm?: Tensor;
  kNorm?: Tensor;
}

/** One of q or k: the projection's output, its per-head norm's input and rstd (Qwen3), the rotated heads. */
interface HeadActs {
  lin: Tensor;
  rstd?: Tensor;
  rotated: Tensor;
  saved?: LoraSaved;
}

export interface AttentionActs {
  q: HeadActs;
  k: HeadActs;
  vSaved?: LoraSaved;
  out: Tensor;
  lse: Tensor;
  flat: Tensor;
  oSaved?: LoraSaved;
}

interface Ctx {
  cfg: QwenConfig;
  B: number;
  step: StepInputs;
}

/** x: (B·T,C) → (B,T,heads,D) projected, per-head normed (Qwen3) and rotated. */
function projectHeads(x: Tensor, proj: Projection, norm: Tensor | undefined, ctx: Ctx, seed: number | undefined): HeadActs {
  const { cfg, B, step } = ctx;
  const { y, saved } = projectTrain(proj, x, seed);
  const lin = y.reshape([B, step.T, y.cols / cfg.headDim, cfg.headDim]);
  y.dispose();
  const normed = norm ? rmsNorm(lin, norm, cfg.rmsNormEps) : undefined;
  const rotated = applyRope(normed?.y ?? lin, { theta: cfg.ropeTheta, positions: step.positions });
  normed?.y.dispose();
  return { lin, rstd: normed?.rstd, rotated, saved };
}

/** Undoes projectHeads: d(rotated) → dx through rope, the norm and the projection. */
function projectHeadsBackward(d: Tensor, a: HeadActs, proj: Projection, norm: Tensor | undefined, h: Tensor, ctx: Ctx, sink: GradSink): Tensor {
  const { cfg, B, step } = ctx;
  let dLin = applyRopeBackward(d, { theta: cfg.ropeTheta, positions: step.positions });
  if (norm && a.rstd) dLin = normBackward(dLin, a.lin, norm, a.rstd, sink);
  const flat = dLin.reshape([B * step.T, dLin.size / (B * step.T)]);
  dLin.dispose();
  const dx = projectBackward(proj, flat, a.saved, h, sink);
  flat.dispose();
  return dx;
}

/** Undoes `y = rmsNorm(x, w)` for dx, with dw into `sink` when w is trainable; consumes dy. */
export function normBackward(dy: Tensor, x: Tensor, w: Tensor, rstd: Tensor, sink: GradSink): Tensor {
  const name = sink.nameOf(w);
  const { dx, dWeight } = rmsNormBackward(dy, x, w, rstd, { weightGrad: name !== undefined });
  if (name) sink.add(name, dWeight!);
  dy.dispose();
  return dx;
}

/** h: (B·T,C) f32 → (B·T,C) f32, appending keys and values to the cache; `seed` (training only) drives LoRA dropout. */
export function selfAttentionForward(h: Tensor, w: AttentionWeights, layer: number, cfg: QwenConfig, cache: KvCache, step: StepInputs, seed?: number): { out: Tensor; acts: AttentionActs } {
  const ctx = { cfg, B: step.B, step };
  const q = projectHeads(h, w.q, w.qNorm, ctx, subSeed(seed, 0));
  const k = projectHeads(h, w.k, w.kNorm, ctx, subSeed(seed, 1));
  const v = projectTrain(w.v, h, subSeed(seed, 2));
  const vHeads = v.y.reshape([ctx.B, step.T, cfg.numKvHeads, cfg.headDim]);
  v.y.dispose();
  writeKv(cache.keys[layer]!, k.rotated, step.offsets);
  writeKv(cache.values[layer]!, vHeads, step.offsets);
  vHeads.dispose();
  const { out, lse } = attention(q.rotated, cache.keys[layer]!, cache.values[layer]!, { kvLengths: step.kvLengths });
  const flat = out.reshape([ctx.B * step.T, cfg.numHeads * cfg.headDim]);
  const o = projectTrain(w.o, flat, subSeed(seed, 3));
  return { out: o.y, acts: { q, k, vSaved: v.saved, out, lse, flat, oSaved: o.saved } };
}

/**
 * Inference: residual + attention(h), (B·T,C) f32, as selfAttentionForward computes it, consuming
 * residual and keeping nothing: q is normed and rotated in one dispatch, k normed and rotated
 * straight into the cache in another, and the output projection adds into the residual.
 */
export function selfAttention(h: Tensor, w: AttentionWeights, layer: number, cfg: QwenConfig, cache: KvCache, step: StepInputs, residual: Tensor): Tensor {
  const heads = (proj: Projection, n: number) => {
    const y = proj.forward(h);
    const shaped = y.reshape([step.B, step.T, n, cfg.headDim]);
    y.dispose();
    return shaped;
  };
  const rope = { theta: cfg.ropeTheta, positions: step.positions };
  const norm = (weight: Tensor | undefined) => weight && { weight, eps: cfg.rmsNormEps };
  const [keys, values] = [cache.keys[layer]!, cache.values[layer]!];
  const qLin = heads(w.q, cfg.numHeads);
  const q = normRope(qLin, norm(w.qNorm), rope);
  const k = heads(w.k, cfg.numKvHeads);
  normRopeIntoCache(k, norm(w.kNorm), keys, step.offsets, rope);
  const v = heads(w.v, cfg.numKvHeads);
  writeKv(values, v, step.offsets);
  const { out, lse } = attention(q, keys, values, { kvLengths: step.kvLengths });
  const flat = out.reshape([step.B * step.T, cfg.numHeads * cfg.headDim]);
  const o = projectAdd(w.o, flat, residual);
  for (const t of [qLin, q, k, v, out, lse, flat]) t.dispose();
  return o;
}

/**
 * Undoes selfAttentionForward for a cache that holds exactly this step's keys and values (training):
 * dOut (B·T,C) → dh (B·T,C), gradients into `sink`. h: the block's input. Consumes `acts`.
 */
export function selfAttentionBackward(dOut: Tensor, h: Tensor, acts: AttentionActs, w: AttentionWeights, layer: number, cfg: QwenConfig, cache: KvCache, step: StepInputs, sink: GradSink): Tensor {
  const ctx = { cfg, B: step.B, step };
  const dFlat = projectBackward(w.o, dOut, acts.oSaved, acts.flat, sink);
  const dAttn = dFlat.reshape(acts.out.shape);
  dFlat.dispose();
  const { dq, dk, dv } = attentionBackward(dAttn, acts.q.rotated, cache.keys[layer]!, cache.values[layer]!, { out: acts.out, lse: acts.lse }, { kvLengths: step.kvLengths });
  dAttn.dispose();
  const dhQ = projectHeadsBackward(dq, acts.q, w.q, w.qNorm, h, ctx, sink);
  const dhK = projectHeadsBackward(dk, acts.k, w.k, w.kNorm, h, ctx, sink);
  const dvFlat = dv.reshape([ctx.B * step.T, cfg.numKvHeads * cfg.headDim]);
  const dhV = projectBackward(w.v, dvFlat, acts.vSaved, h, sink);
  const partial = add(dhQ, dhK);
  const dh = add(partial, dhV);
  for (const t of [dq, dk, dv, dvFlat, dhQ, dhK, dhV, partial]) t.dispose();
  disposeAttentionActs(acts);
  return dh;
}

export function disposeAttentionActs(acts: AttentionActs): void {
  for (const head of [acts.q, acts.k]) {
    for (const t of [head.lin, head.rstd, head.rotated]) t?.dispose();
    if (head.saved) for (const t of [head.saved.xd, head.saved.h]) t.dispose();
  }
  for (const s of [acts.vSaved, acts.oSaved]) if (s) for (const t of [s.xd, s.h]) t.dispose();
  for (const t of [acts.out, acts.lse, acts.flat]) t.dispose();
}
