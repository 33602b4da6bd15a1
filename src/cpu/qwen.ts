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

function weight(w: RefWeights, name: string): Float32Array {
  const v = w.get(name);
  if (!v) throw new Error(`reference model: missing weight ${name}`);
  return v;
}

/** x: (T,in) · W(out,in)ᵀ + b → (T,out) */
function linearRef(w: RefWeights, name: string, x: Float32Array, T: number, out: number, bias: boolean): Float32Array {
  const K = x.length / T;
  return matmulRef(x, weight(w, `${name}.weight`), { M: T, K, N: out, transB: true }, bias ? weight(w, `${name}.bias`) : undefined);
}

function headsRef(w: RefWeights, cfg: QwenConfig, p: string, which: 'q' | 'k', h: Float32Array, T: number): Float32Array {
  const heads = which === 'q' ? cfg.numHeads : cfg.numKvHeads;
  let x = linearRef(w, `${p}self_attn.${which}_proj`, h, T, heads * cfg.headDim, cfg.qkvBias);
  if (cfg.qkNorm) x = rmsNormRef(x, weight(w, `${p}self_attn.${which}_norm.weight`), cfg.rmsNormEps).y;
  return ropeRef(x, { T, H: heads, D: cfg.headDim }, cfg.ropeTheta);
}

function layerRef(w: RefWeights, cfg: QwenConfig, i: number, x: Float32Array, T: number): Float32Array {
  const { hiddenSize: C, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: D } = cfg;
  const p = `model.layers.${i}.`;
  const h = rmsNormRef(x, weight(w, `${p}input_layernorm.weight`), cfg.rmsNormEps).y;
  const q = headsRef(w, cfg, p, 'q', h, T);
  const k = headsRef(w, cfg, p, 'k', h, T);
  const v = linearRef(w, `${p}self_attn.v_proj`, h, T, KV * D, cfg.qkvBias);
  const attn = attentionRef(q, k, v, { B: 1, T, H, KV, D, S: T }).out;
  const x1 = addRef(x, linearRef(w, `${p}self_attn.o_proj`, attn, T, C, false));
  const h2 = rmsNormRef(x1, weight(w, `${p}post_attention_layernorm.weight`), cfg.rmsNormEps).y;
  const act = siluMulRef(linearRef(w, `${p}mlp.gate_proj`, h2, T, I, false), linearRef(w, `${p}mlp.up_proj`, h2, T, I, false));
  return addRef(x1, linearRef(w, `${p}mlp.down_proj`, act, T, C, false));
}

/** ids: (T) → logits (T,V) */
export function qwenLogitsRef(w: RefWeights, cfg: QwenConfig, ids: readonly number[]): Float32Array {
  const T = ids.length;
  let x = embeddingRef(weight(w, 'model.embed_tokens.weight'), cfg.hiddenSize, ids);
  for (let i = 0; i < cfg.numLayers; i++) x = layerRef(w, cfg, i, x, T);
  const h = rmsNormRef(x, weight(w, 'model.norm.weight'), cfg.rmsNormEps).y;
  const head = cfg.tieWordEmbeddings ? 'model.embed_tokens' : 'lm_head';
  return linearRef(w, head, h, T, cfg.vocabSize, false);
}
