// The SwiGLU MLP of a Qwen layer, forward and backward: out = down(silu(gate(h)) · up(h)).
import { add } from '../tensor/ops/elementwise.js';
import { gatedMatmul } from '../tensor/ops/matmul.js';
import { siluMul, siluMulBackward } from '../tensor/ops/silu-mul.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GradSink } from './grads.js';
import type { LoraSaved } from './lora.js';
import { frozenLinear, projectAdd, projectBackward, projectTrain, subSeed, type Projection } from './projection.js';

export interface MlpWeights {
  gate: Projection;
  up: Projection;
  down: Projection;
}

export interface MlpActs {
  gate: Tensor;
  up: Tensor;
  act: Tensor;
  saved: { gate?: LoraSaved; up?: LoraSaved; down?: LoraSaved };
}

/** h: (N,C) f32 → (N,C) f32 and what the backward needs; `seed` (training only) drives LoRA dropout. */
export function mlpForward(h: Tensor, w: MlpWeights, seed?: number): { out: Tensor; acts: MlpActs } {
  const gate = projectTrain(w.gate, h, subSeed(seed, 4));
  const up = projectTrain(w.up, h, subSeed(seed, 5));
  const act = siluMul(gate.y, up.y);
  const down = projectTrain(w.down, act, subSeed(seed, 6));
  return { out: down.y, acts: { gate: gate.y, up: up.y, act, saved: { gate: gate.saved, up: up.saved, down: down.saved } } };
}

/**
 * Inference: residual + mlp(h), consuming residual and keeping nothing. Frozen gate and up without
 * biases go through one gated product, and down adds into the residual where the product can.
 */
export function mlpResidual(h: Tensor, w: MlpWeights, residual: Tensor): Tensor {
  const [gate, up] = [frozenLinear(w.gate), frozenLinear(w.up)];
  let act: Tensor;
  if (gate && up && !gate.bias && !up.bias) act = gatedMatmul(h, gate.weight, up.weight);
  else {
    const [g, u] = [w.gate.forward(h), w.up.forward(h)];
    act = siluMul(g, u);
    g.dispose();
    u.dispose();
  }
  const out = projectAdd(w.down, act, residual);
  act.dispose();
  return out;
}

/** Undoes `out = down(silu(gate(h))·up(h))`: dOut (N,C) → dh (N,C), gradients into `sink`. Consumes `acts` (not h). */
export function mlpBackward(dOut: Tensor, h: Tensor, acts: MlpActs, w: MlpWeights, sink: GradSink): Tensor {
  const dAct = projectBackward(w.down, dOut, acts.saved.down, acts.act, sink);
  const { dGate, dUp } = siluMulBackward(dAct, acts.gate, acts.up);
  dAct.dispose();
  const dhGate = projectBackward(w.gate, dGate, acts.saved.gate, h, sink);
  const dhUp = projectBackward(w.up, dUp, acts.saved.up, h, sink);
  const dh = add(dhGate, dhUp);
  for (const t of [dGate, dUp, dhGate, dhUp, acts.gate, acts.up, acts.act]) t.dispose();
  return dh;
}

export function disposeMlpActs(acts: MlpActs): void {
  for (const t of [acts.gate, acts.up, acts.act]) t.dispose();
  for (const s of Object.values(acts.saved)) if (s) for (const t of [s.xd, s.h]) t.dispose();
}
