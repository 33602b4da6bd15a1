// Reference Qwen2/Qwen3 forward for one sequence, composed from the op references: the oracle for
// the GPU model. Weights are f32 values by HF name (round bf16 checkpoints with roundTo first).
import type { QwenConfig } from '../io/config.js';
import { attentionRef } from './attention.js';
import { addRef } from './elementwise.js';
import { embeddingRef } from './embedding.js';
import { matmulRef } from './matmul.js';
import { rmsNormRef } from './rmsnorm.js';
import { ropeRef } from './rope.js';
import { siluMulRef } from './silu-mul.js';

export type RefWeights = ReadonlyMap<string, Float32Array>;

/** LoRA factors by module name (`model.layers.0.self_attn.q_proj`): A (r,in), B (out,r). */
export type RefLora = ReadonlyMap<string, { A: Float32Array; B: Float32Array; r: number; scaling: number }>;

function weight(w: RefWeights, name: string): Float32Array {
  const v = w.get(name);
  if (!v) throw new Error(`reference model: missing weight ${name}`);
  return v;
}

/** What the reference forward reads: base weights and the LoRA factors on top. */
interface RefParams {
  w: RefWeights;
  lora: RefLora;
}

/** x: (T,in) · W(out,in)ᵀ + b (+ LoRA: x·Aᵀ·Bᵀ·scaling) → (T,out) */
function linearRef({ w, lora: adapters }: RefParams, name: string, x: Float32Array, T: number, out: number, bias: boolean): Float32Array {
  const K = x.length / T;
  const y = matmulRef(x, weight(w, `${name}.weight`), { M: T, K, N: out, transB: true }, bias ? weight(w, `${name}.bias`) : undefined);
  const lora = adapters.get(name);
  if (!lora) return y;
  const h = matmulRef(x, lora.A, { M: T, K, N: lora.r, transB: true });
  const u = matmulRef(h, lora.B, { M: T, K: lora.r, N: out, transB: true });
  return y.map((v, i) => v + u[i]! * lora.scaling);
}

function headsRef(m: RefParams, cfg: QwenConfig, p: string, which: 'q' | 'k', h: Float32Array, T: number): Float32Array {
  const heads = which === 'q' ? cfg.numHeads : cfg.numKvHeads;
  let x = linearRef(m, `${p}self_attn.${which}_proj`, h, T, heads * cfg.headDim, cfg.qkvBias);
  if (cfg.qkNorm) x = rmsNormRef(x, weight(m.w, `${p}self_attn.${which}_norm.weight`), cfg.rmsNormEps).y;
  return ropeRef(x, { T, H: heads, D: cfg.headDim }, cfg.ropeTheta);
}

function layerRef(m: RefParams, cfg: QwenConfig, i: number, x: Float32Array, T: number): Float32Array {
  const { hiddenSize: C, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: D } = cfg;
  const p = `model.layers.${i}.`;
  const h = rmsNormRef(x, weight(m.w, `${p}input_layernorm.weight`), cfg.rmsNormEps).y;
  const q = headsRef(m, cfg, p, 'q', h, T);
  const k = headsRef(m, cfg, p, 'k', h, T);
  const v = linearRef(m, `${p}self_attn.v_proj`, h, T, KV * D, cfg.qkvBias);
  const attn = attentionRef(q, k, v, { B: 1, T, H, KV, D, S: T }).out;
  const x1 = addRef(x, linearRef(m, `${p}self_attn.o_proj`, attn, T, C, false));
  const h2 = rmsNormRef(x1, weight(m.w, `${p}post_attention_layernorm.weight`), cfg.rmsNormEps).y;
  const act = siluMulRef(linearRef(m, `${p}mlp.gate_proj`, h2, T, I, false), linearRef(m, `${p}mlp.up_proj`, h2, T, I, false));
  return addRef(x1, linearRef(m, `${p}mlp.down_proj`, act, T, C, false));
}

/** ids: (T) → logits (T,V), with LoRA adapters on the named modules when given. */
export function qwenLogitsRef(w: RefWeights, cfg: QwenConfig, ids: readonly number[], lora: RefLora = new Map()): Float32Array {
  const m = { w, lora };
  const T = ids.length;
  let x = embeddingRef(weight(w, 'model.embed_tokens.weight'), cfg.hiddenSize, ids);
  for (let i = 0; i < cfg.numLayers; i++) x = layerRef(m, cfg, i, x, T);
  const h = rmsNormRef(x, weight(w, 'model.norm.weight'), cfg.rmsNormEps).y;
  const head = cfg.tieWordEmbeddings ? 'model.embed_tokens' : 'lm_head';
  return linearRef(m, head, h, T, cfg.vocabSize, false);
}

/** HF's causal-LM loss: logits at t predict labels[t+1]; −100 ignored; mean over the counted tokens. */
export function causalLmLossRef(logits: Float32Array, labels: readonly number[], V: number): number {
  let sum = 0;
  let count = 0;
  for (let t = 0; t + 1 < labels.length; t++) {
    const label = labels[t + 1]!;
    if (label === -100) continue;
    const row = logits.subarray(t * V, (t + 1) * V);
    const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
    const lse = max + Math.log(row.reduce((a, b) => a + Math.exp(b - max), 0));
    sum += lse - row[label]!;
    count++;
  }
  return sum / count;
}
