// Specs resolved from a recipe's config blocks (the same snake_case fields as recipes/kit/blocks.ts,
// taken structurally so src/ never imports recipes/): steps, warmup and save points come out as the
// WebGPU trainer resolves them, so both backends take the same optimizer steps over the same data.
import { ConfigError } from '../errors.js';
import type { LoraTarget } from '../io/peft.js';
import { warmupSteps } from '../train/schedule.js';
import { SPEC_VERSION, type CudaGenerateSpec, type CudaTrainSpec, type SamplingSpec } from './spec.js';
import { WORKER_VERSION } from './worker.js';

export interface TrainBlockLike {
  epochs: number;
  max_steps: number | null;
  learning_rate: number;
  batch_size: number;
  grad_accum: number;
  scheduler: 'constant' | 'linear' | 'cosine';
  warmup_ratio: number;
  weight_decay: number;
  max_grad_norm: number;
  save_every: number;
  eval_steps: number;
  seed: number;
}

export interface TrainPlanInput {
  model: string;
  runDir: string;
  trainFile: string;
  evalFile: string | null;
  /** Rows in the training file (the step count depends on it). */
  examples: number;
  padTokenId: number;
  /** none: plain LoRA on the bf16 base. */
  quantization: { format: 'nf4' | 'q4' | 'none'; double_quant: boolean; block_size: number };
  lora: { r: number; alpha: number; dropout: number; target_modules: readonly LoraTarget[] };
  /** New tokens' rows that train beside the LoRA (the base's ids); tied: the base's lm_head is its embed_tokens. */
  trainableTokens?: { indices: readonly number[]; tied: boolean };
  train: TrainBlockLike;
  gpus: number;
  resume: boolean;
  /** Keep every checkpoint (a sweep scores them all) instead of the last two, as the kit's fineTune. */
  keepAll?: boolean;
  launcher?: 'torchrun' | 'accelerate';
}

/** Rows per GPU micro-batch: no more than the WebGPU micro-batch, and no more than a GPU's share of a step. */
export function perDeviceBatch(batchSize: number, gradAccum: number, gpus: number): number {
  return Math.max(1, Math.min(batchSize, Math.ceil((batchSize * gradAccum) / gpus)));
}

function quantization(q: TrainPlanInput['quantization']): CudaTrainSpec['quantization'] {
  if (q.format === 'none') return null;
  // bitsandbytes has no counterpart of wgml's q4, and its 4-bit blocks are 64 values.
  if (q.format !== 'nf4') throw new ConfigError(`quantization.format ${q.format}: the CUDA path quantizes with bitsandbytes, which has nf4 (and fp4) but no q4; set quantization.format nf4 (or none) or use --backend webgpu`);
  if (q.block_size !== 64) throw new ConfigError(`quantization.block_size ${q.block_size}: bitsandbytes quantizes in blocks of 64; set quantization.block_size 64 or use --backend webgpu`);
  return { format: 'nf4', double_quant: q.double_quant, compute_dtype: 'bfloat16' };
}

function tokenRows(t: TrainPlanInput['trainableTokens']): CudaTrainSpec['lora']['trainable_tokens'] {
  if (!t) return null;
  if (t.indices.length === 0 || new Set(t.indices).size !== t.indices.length) throw new ConfigError(`trainable token rows [${t.indices.join(', ')}]: need at least one id, each once`);
  return { indices: [...t.indices] as [number, ...number[]], tied: t.tied };
}

export function trainSpec(p: TrainPlanInput): CudaTrainSpec {
  const q = quantization(p.quantization);
  const t = p.train;
  const totalSteps = t.max_steps ?? Math.ceil((t.epochs * p.examples) / (t.batch_size * t.grad_accum));
  return {
    version: SPEC_VERSION,
    task: 'train',
    wgml_version: WORKER_VERSION,
    model: p.model,
    data: { train: p.trainFile, eval: p.evalFile },
    output_dir: p.runDir,
    checkpoint_dir: `${p.runDir}/cuda/checkpoints`,
    adapter_dir: `${p.runDir}/adapter`,
    resume: p.resume,
    pad_token_id: p.padTokenId,
    quantization: q,
    lora: { r: p.lora.r, alpha: p.lora.alpha, dropout: p.lora.dropout, target_modules: [...p.lora.target_modules] as [LoraTarget, ...LoraTarget[]], trainable_tokens: tokenRows(p.trainableTokens) },
    train: {
      max_steps: totalSteps,
      batch_size: t.batch_size,
      grad_accum: t.grad_accum,
      per_device_batch_size: perDeviceBatch(t.batch_size, t.grad_accum, p.gpus),
      learning_rate: t.learning_rate,
      scheduler: t.scheduler,
      warmup_steps: warmupSteps({ type: t.scheduler, warmupRatio: t.warmup_ratio }, totalSteps),
      weight_decay: t.weight_decay,
      max_grad_norm: t.max_grad_norm,
      // wgml's AdamW defaults (src/train/adamw.ts), which the recipes do not override.
      adam_beta1: 0.9,
      adam_beta2: 0.999,
      adam_epsilon: 1e-8,
      save_every: t.save_every || totalSteps,
      keep_last: p.keepAll ? totalSteps : 2,
      eval_steps: t.eval_steps,
      seed: t.seed,
      group_by_length: true,
      gradient_checkpointing: true,
    },
    gpus: p.gpus,
    launcher: p.gpus === 1 ? 'python' : (p.launcher ?? 'torchrun'),
  };
}

export interface GeneratePlanInput {
  model: string;
  modelName: string;
  adapter?: { name: string; path: string; rank: number };
  promptsFile: string;
  outDir: string;
  chunkSize: number;
  chunkIds: readonly number[];
  sampling: SamplingSpec;
  gpus: number;
  /** GPUs per vLLM engine; the rest is data parallel over chunks. Default 1. */
  tensorParallel?: number;
  maxModelLen?: number | null;
}

export function generateSpec(p: GeneratePlanInput): CudaGenerateSpec {
  const tp = p.tensorParallel ?? 1;
  if (p.gpus % tp !== 0) throw new ConfigError(`--gpus ${p.gpus} is not a multiple of the tensor-parallel size ${tp}: each vLLM worker takes ${tp} GPUs`);
  if (p.chunkIds.length === 0) throw new ConfigError('generate: no chunks selected');
  return {
    version: SPEC_VERSION,
    task: 'generate',
    wgml_version: WORKER_VERSION,
    model: p.model,
    model_name: p.modelName,
    adapter: p.adapter ?? null,
    prompts: p.promptsFile,
    out_dir: p.outDir,
    chunk_size: p.chunkSize,
    chunk_ids: [...p.chunkIds] as [number, ...number[]],
    sampling: p.sampling,
    vllm: { tensor_parallel_size: tp, gpu_memory_utilization: 0.9, max_model_len: p.maxModelLen ?? null, dtype: 'bfloat16' },
    gpus: p.gpus,
  };
}
