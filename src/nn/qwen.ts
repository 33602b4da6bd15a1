// The Qwen2/Qwen3 causal LM on the GPU: embedding, decoder layers, final norm, LM head.
import type { Device } from '../gpu/device.js';
import type { QwenConfig } from '../io/config.js';
import { disposeStep, KvCache, type StepInputs } from './kv-cache.js';
import { embedding, validateIds } from '../tensor/ops/embedding.js';
import { rmsNorm } from '../tensor/ops/rmsnorm.js';
import { Tensor } from '../tensor/tensor.js';
import { decoderLayer, type LayerWeights } from './decoder-layer.js';
import { Linear } from './linear.js';
import { QuantLinear } from './quant-linear.js';
import { QuantTensor } from '../quant/quant-tensor.js';
import type { WeightLoader } from './weights.js';
import { WgmlError } from '../errors.js';

async function loadLayer(w: WeightLoader, cfg: QwenConfig, i: number): Promise<LayerWeights> {
  const { hiddenSize: C, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: D } = cfg;
  const p = `model.layers.${i}.`;
  const linear = async (name: string, out: number, inp: number, bias = false) => {
    const weight = await w.loadProjection(`${p}${name}.weight`, [out, inp]);
    const b = bias ? await w.load(`${p}${name}.bias`, [out]) : undefined;
    return weight instanceof QuantTensor ? new QuantLinear(weight, b) : new Linear(weight, b);
  };
  return {
    inputNorm: await w.load(`${p}input_layernorm.weight`, [C]),
    q: await linear('self_attn.q_proj', H * D, C, cfg.qkvBias),
    k: await linear('self_attn.k_proj', KV * D, C, cfg.qkvBias),
    v: await linear('self_attn.v_proj', KV * D, C, cfg.qkvBias),
    o: await linear('self_attn.o_proj', C, H * D),
    qNorm: cfg.qkNorm ? await w.load(`${p}self_attn.q_norm.weight`, [D]) : undefined,
    kNorm: cfg.qkNorm ? await w.load(`${p}self_attn.k_norm.weight`, [D]) : undefined,
    postNorm: await w.load(`${p}post_attention_layernorm.weight`, [C]),
    gate: await linear('mlp.gate_proj', I, C),
    up: await linear('mlp.up_proj', I, C),
    down: await linear('mlp.down_proj', C, I),
  };
}

/** A (V,C) table as f32: the gather of every row, which also handles chunked tables. */
function upcast(table: Tensor): Tensor {
  return embedding(table, Array.from({ length: table.shape[0]! }, (_, i) => i));
}

export class QwenModel {
  private constructor(
    readonly device: Device,
    readonly config: QwenConfig,
    /** Replaced by an f32 copy when token rows are trained. */
    public embedTokens: Tensor,
    readonly layers: LayerWeights[],
    readonly norm: Tensor,
    readonly lmHead: Linear,
  ) {}

  static async load(device: Device, config: QwenConfig, weights: WeightLoader): Promise<QwenModel> {
    const { vocabSize: V, hiddenSize: C } = config;
    const embed = await weights.load('model.embed_tokens.weight', [V, C]);
    const layers: LayerWeights[] = [];
    for (let i = 0; i < config.numLayers; i++) layers.push(await loadLayer(weights, config, i));
    const norm = await weights.load('model.norm.weight', [C]);
    const head = config.tieWordEmbeddings ? embed : await weights.load('lm_head.weight', [V, C]);
    return new QwenModel(device, config, embed, layers, norm, new Linear(head));
  }

  /** Makes embed_tokens and lm_head f32 (they stay tied if they were), so rows can be trained in place. */
  upcastTables(): void {
    const tied = this.lmHead.weight === this.embedTokens;
    if (this.embedTokens.dtype !== 'f32') {
      const f32 = upcast(this.embedTokens);
      if (!tied) this.embedTokens.dispose();
      this.embedTokens = f32;
    }
    if (tied) {
      if (this.lmHead.weight !== this.embedTokens) this.lmHead.weight.dispose();
      this.lmHead.weight = this.embedTokens;
    } else if (this.lmHead.weight.dtype !== 'f32') {
      const f32 = upcast(this.lmHead.weight);
      this.lmHead.weight.dispose();
      this.lmHead.weight = f32;
    }
  }

  /** Every weight by its HF name (the tied LM head appears once, as the embedding). */
  namedTensors(): Map<string, Tensor> {
    const named = new Map<string, Tensor>([['model.embed_tokens.weight', this.embedTokens]]);
    const projections = { q: 'self_attn.q_proj', k: 'self_attn.k_proj', v: 'self_attn.v_proj', o: 'self_attn.o_proj', gate: 'mlp.gate_proj', up: 'mlp.up_proj', down: 'mlp.down_proj' } as const;
    this.layers.forEach((w, i) => {
      const p = `model.layers.${i}.`;
      named.set(`${p}input_layernorm.weight`, w.inputNorm);
      named.set(`${p}post_attention_layernorm.weight`, w.postNorm);
      if (w.qNorm) named.set(`${p}self_attn.q_norm.weight`, w.qNorm);
      if (w.kNorm) named.set(`${p}self_attn.k_norm.weight`, w.kNorm);
      for (const [field, name] of Object.entries(projections)) {
        const proj = w[field as keyof typeof projections];
        if (!(proj instanceof Linear)) throw new WgmlError(`${p}${name} is ${proj.constructor.name}, not a plain Linear: full-parameter access needs an unquantized model without adapters`);
        named.set(`${p}${name}.weight`, proj.weight);
        if (proj.bias) named.set(`${p}${name}.bias`, proj.bias);
      }
    });
    named.set('model.norm.weight', this.norm);
    if (!this.config.tieWordEmbeddings) named.set('lm_head.weight', this.lmHead.weight);
    return named;
  }

  /** A cache for `batch` sequences of up to `capacity` positions, at most max_position_embeddings. */
  newCache(batch: number, capacity: number): KvCache {
    const max = this.config.maxPositionEmbeddings;
    if (capacity > max) throw new RangeError(`${capacity} positions exceed the model's max_position_embeddings (${max})`);
    return new KvCache(this.device, this.config, batch, capacity);
  }

  /** ids: (B,T) i32, a left-padded block → final-normed hidden states (B·T,C) f32; appends to the cache. */
  hidden(ids: Tensor, cache: KvCache, step: StepInputs): Tensor {
    const emb = embedding(this.embedTokens, ids);
    let x = emb.reshape([emb.size / this.config.hiddenSize, this.config.hiddenSize]);
    emb.dispose();
    this.layers.forEach((w, layer) => (x = decoderLayer(x, w, { layer, cfg: this.config, cache, step })));
    const { y, rstd } = rmsNorm(x, this.norm, this.config.rmsNormEps);
    x.dispose();
    rstd.dispose();
    return y;
  }

  /** Logits at every position of one sequence: (T,V) row-major. */
  async logits(ids: readonly number[]): Promise<Float32Array> {
    validateIds(ids, this.config.vocabSize, 'input_ids');
    const cache = this.newCache(1, ids.length);
    const step = cache.append([ids.length]);
    const idsT = Tensor.from(this.device, ids, [1, ids.length], 'i32');
    const h = this.hidden(idsT, cache, step);
    const logits = this.lmHead.forward(h);
    const out = (await logits.read()) as Float32Array;
    for (const t of [idsT, h, logits]) t.dispose();
    disposeStep(step);
    cache.dispose();
    return out;
  }

  dispose(): void {
    for (const l of this.layers) {
      for (const lin of [l.q, l.k, l.v, l.o, l.gate, l.up, l.down]) lin.dispose();
      for (const t of [l.inputNorm, l.postNorm, l.qNorm, l.kNorm]) t?.dispose();
    }
    this.norm.dispose();
    this.lmHead.dispose();
    if (!this.config.tieWordEmbeddings) this.embedTokens.dispose();
  }
}
