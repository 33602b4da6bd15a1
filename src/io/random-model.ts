// Writes a randomly initialised Qwen2/Qwen3 model as a HuggingFace directory (config, generation
// config, byte-level tokenizer, safetensors, optionally sharded): what tests and benches load.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../cpu/random.js';
import { writeFileAtomic } from './atomic.js';
import { byteLevelTokenizer, type ByteTokenizerFiles } from './byte-tokenizer.js';
import { SHARD_INDEX, SINGLE_FILE, writeSafetensors, type TensorToWrite } from './safetensors.js';

export interface RandomQwenSpec {
  architecture: 'Qwen2ForCausalLM' | 'Qwen3ForCausalLM';
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** At least the byte tokenizer's 259 ids. */
  vocabSize: number;
  tieWordEmbeddings?: boolean;
  maxPositionEmbeddings?: number;
  ropeTheta?: number;
  dtype?: 'BF16' | 'F32';
  shards?: number;
  seed?: number;
  /** Std of every embedding and matrix (HF's initializer_range, e.g. 0.02); default: 1 for the embedding, 1/√fan_in for matrices. */
  initStd?: number;
  /** Default: the byte-level tokenizer without merges. */
  tokenizer?: ByteTokenizerFiles;
}

/** HF parameter names and shapes of one decoder layer. */
function layerShapes(spec: RandomQwenSpec, i: number): [string, number[]][] {
  const { hiddenSize: C, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: D } = spec;
  const p = `model.layers.${i}.`;
  const shapes: [string, number[]][] = [
    [`${p}input_layernorm.weight`, [C]],
    [`${p}self_attn.q_proj.weight`, [H * D, C]],
    [`${p}self_attn.k_proj.weight`, [KV * D, C]],
    [`${p}self_attn.v_proj.weight`, [KV * D, C]],
    [`${p}self_attn.o_proj.weight`, [C, H * D]],
    [`${p}post_attention_layernorm.weight`, [C]],
    [`${p}mlp.gate_proj.weight`, [I, C]],
    [`${p}mlp.up_proj.weight`, [I, C]],
    [`${p}mlp.down_proj.weight`, [C, I]],
  ];
  if (spec.architecture === 'Qwen2ForCausalLM') {
    for (const n of ['q', 'k', 'v']) shapes.push([`${p}self_attn.${n}_proj.bias`, [(n === 'q' ? H : KV) * D]]);
  } else {
    shapes.push([`${p}self_attn.q_norm.weight`, [D]], [`${p}self_attn.k_norm.weight`, [D]]);
  }
  return shapes;
}

export function parameterShapes(spec: RandomQwenSpec): [string, number[]][] {
  const shapes: [string, number[]][] = [['model.embed_tokens.weight', [spec.vocabSize, spec.hiddenSize]]];
  for (let i = 0; i < spec.numLayers; i++) shapes.push(...layerShapes(spec, i));
  shapes.push(['model.norm.weight', [spec.hiddenSize]]);
  if (!spec.tieWordEmbeddings) shapes.push(['lm_head.weight', [spec.vocabSize, spec.hiddenSize]]);
  return shapes;
}

/** Norm weights near 1, biases small, matrices scaled by 1/√fan_in so activations stay O(1). */
function initialValues(rng: Rng, name: string, shape: number[], initStd?: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (name.endsWith('norm.weight')) return rng.normals(n, 0.1).map((v) => 1 + v);
  if (name.endsWith('.bias')) return rng.normals(n, 0.1);
  if (name === 'model.embed_tokens.weight') return rng.normals(n, initStd ?? 1);
  return rng.normals(n, initStd ?? 1 / Math.sqrt(shape[1]!));
}

function configJson(spec: RandomQwenSpec, eosId: number, padId: number): Record<string, unknown> {
  return {
    architectures: [spec.architecture],
    model_type: spec.architecture === 'Qwen2ForCausalLM' ? 'qwen2' : 'qwen3',
    hidden_size: spec.hiddenSize,
    intermediate_size: spec.intermediateSize,
    num_hidden_layers: spec.numLayers,
    num_attention_heads: spec.numHeads,
    num_key_value_heads: spec.numKvHeads,
    head_dim: spec.headDim,
    hidden_act: 'silu',
    rms_norm_eps: 1e-6,
    rope_theta: spec.ropeTheta ?? 1_000_000,
    rope_scaling: null,
    vocab_size: spec.vocabSize,
    tie_word_embeddings: spec.tieWordEmbeddings ?? false,
    max_position_embeddings: spec.maxPositionEmbeddings ?? 4096,
    attention_bias: spec.architecture === 'Qwen2ForCausalLM',
    bos_token_id: null,
    eos_token_id: eosId,
    pad_token_id: padId,
    torch_dtype: spec.dtype === 'F32' ? 'float32' : 'bfloat16',
  };
}

async function writeWeights(dir: string, tensors: Record<string, TensorToWrite>, shards: number): Promise<void> {
  if (shards <= 1) return writeSafetensors(join(dir, SINGLE_FILE), tensors);
  const names = Object.keys(tensors);
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part: Record<string, TensorToWrite> = {};
    for (const name of names.filter((_, i) => i % shards === s)) {
      part[name] = tensors[name]!;
      weightMap[name] = file;
      totalSize += tensors[name]!.data.length * (tensors[name]!.dtype === 'BF16' ? 2 : 4);
    }
    await writeSafetensors(join(dir, file), part);
  }
  await writeFileAtomic(join(dir, SHARD_INDEX), JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2));
}

/** Writes the model to `dir` and returns its f32 values (before any bf16 rounding) by HF name. */
export async function writeRandomQwen(dir: string, spec: RandomQwenSpec): Promise<Map<string, Float32Array>> {
  await mkdir(dir, { recursive: true });
  const rng = new Rng(spec.seed ?? 0);
  const dtype = spec.dtype ?? 'BF16';
  const values = new Map<string, Float32Array>();
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, shape] of parameterShapes(spec)) {
    const data = initialValues(rng, name, shape, spec.initStd);
    values.set(name, data);
    tensors[name] = { dtype, shape, data };
  }
  await writeWeights(dir, tensors, spec.shards ?? 1);
  const { tokenizerJson, tokenizerConfig, specialIds } = spec.tokenizer ?? byteLevelTokenizer();
  const [endOfText, , imEnd] = specialIds as [number, number, number];
  await writeFile(join(dir, 'config.json'), JSON.stringify(configJson(spec, imEnd, endOfText), null, 2));
  await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [imEnd, endOfText], pad_token_id: endOfText }, null, 2));
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
  return values;
}
