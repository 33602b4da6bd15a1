// The resolved JSON spec the CUDA worker reads (src/cuda/python/wgml_cuda/spec.py checks the same
// fields again): everything the worker needs is written out, defaults included, so the file alone
// says what a run did. Strict objects: an unknown field is an error on both sides.
import { z } from 'zod';
import { LORA_TARGETS } from '../io/peft.js';

export const SPEC_VERSION = 1;

const count = z.number().int().positive();
const path = z.string().min(1);

export const CudaTrainSpecSchema = z.strictObject({
  version: z.literal(SPEC_VERSION),
  task: z.literal('train'),
  wgml_version: z.string(),
  /** HuggingFace model directory the base loads from (transformers reads it as is). */
  model: path,
  /** Pre-tokenized JSONL ({input_ids, labels}) written by wgml; eval null = no eval loss. */
  data: z.strictObject({ train: path, eval: path.nullable() }),
  /** The run directory: metrics.jsonl lands here, as the WebGPU trainer writes it. */
  output_dir: path,
  checkpoint_dir: path,
  /** The final PEFT adapter (adapter_config.json + adapter_model.safetensors). */
  adapter_dir: path,
  resume: z.boolean(),
  pad_token_id: z.number().int().min(0),
  /** bitsandbytes' 4-bit base (QLoRA); null: plain LoRA on the bf16 base, bitsandbytes not needed. */
  quantization: z.strictObject({
    format: z.enum(['nf4', 'fp4']),
    double_quant: z.boolean(),
    compute_dtype: z.enum(['bfloat16', 'float16']),
  }).nullable(),
  lora: z.strictObject({
    r: count,
    alpha: z.number().positive(),
    dropout: z.number().min(0).lt(1),
    target_modules: z.array(z.enum(LORA_TARGETS)).nonempty(),
    /**
     * Rows of embed_tokens (and of an untied lm_head) that train beside the LoRA: newly added tokens
     * (wgml's trainableTokenIndices, PEFT's trainable_token_indices); null: none.
     */
    trainable_tokens: z.strictObject({
      indices: z.array(z.number().int().min(0)).nonempty().refine((ids) => new Set(ids).size === ids.length, 'token indices must be distinct'),
      /** lm_head is embed_tokens (tie_word_embeddings): one set of rows serves both; false: lm_head's rows train on their own. */
      tied: z.boolean(),
    }).nullable(),
  }),
  train: z.strictObject({
    /** Optimizer steps, resolved as the WebGPU trainer resolves them (epochs → steps). */
    max_steps: count,
    /** The WebGPU trainer's micro-batch: one optimizer step takes grad_accum of them from the data order. */
    batch_size: count,
    grad_accum: count,
    /** Rows one GPU runs at once; the step's examples are split over the GPUs in micro-batches of this. */
    per_device_batch_size: count,
    learning_rate: z.number().positive(),
    scheduler: z.enum(['constant', 'linear', 'cosine']),
    warmup_steps: z.number().int().min(0),
    weight_decay: z.number().min(0),
    max_grad_norm: z.number().min(0),
    adam_beta1: z.number().min(0).lt(1),
    adam_beta2: z.number().min(0).lt(1),
    adam_epsilon: z.number().positive(),
    save_every: z.number().int().min(0),
    keep_last: count,
    eval_steps: z.number().int().min(0),
    seed: z.number().int().min(0),
    group_by_length: z.boolean(),
    gradient_checkpointing: z.boolean(),
  }),
  gpus: count,
  /** python: one process (one GPU); torchrun or accelerate: one process per GPU. */
  launcher: z.enum(['python', 'torchrun', 'accelerate']),
});
export type CudaTrainSpec = z.output<typeof CudaTrainSpecSchema>;

export const SamplingSpecSchema = z.strictObject({
  n: count,
  temperature: z.number().min(0),
  top_p: z.number().gt(0).max(1),
  /** 0 = off (the worker passes vLLM -1). */
  top_k: z.number().int().min(0),
  max_tokens: count,
  stop: z.array(z.string().min(1)),
  seed: z.number().int().min(0),
  /** Recorded in the chunk files only (the prompts come pre-rendered). */
  prompt_template: z.string().optional(),
});
export type SamplingSpec = z.output<typeof SamplingSpecSchema>;

export const CudaGenerateSpecSchema = z.strictObject({
  version: z.literal(SPEC_VERSION),
  task: z.literal('generate'),
  wgml_version: z.string(),
  model: path,
  /** The name chunk files go by (`<model_name>_chunk_<id>.json`). */
  model_name: z.string().regex(/^[\w.-]+$/),
  adapter: z.strictObject({ name: z.string().min(1), path, rank: count }).nullable(),
  /** Pre-tokenized prompts JSONL ({index, record, prompt_token_ids, seeds}). */
  prompts: path,
  out_dir: path,
  chunk_size: count,
  chunk_ids: z.array(z.number().int().min(0)).nonempty(),
  /** Copied verbatim into every chunk's meta.sampling: chunks merge only when these agree. */
  sampling: SamplingSpecSchema,
  vllm: z.strictObject({
    tensor_parallel_size: count,
    gpu_memory_utilization: z.number().gt(0).max(1),
    max_model_len: count.nullable(),
    dtype: z.enum(['bfloat16', 'float16', 'auto']),
  }),
  /** GPUs in all: gpus / tensor_parallel_size worker processes split the chunks. */
  gpus: count,
});
export type CudaGenerateSpec = z.output<typeof CudaGenerateSpecSchema>;

export const CudaSpecSchema = z.discriminatedUnion('task', [CudaTrainSpecSchema, CudaGenerateSpecSchema]);
export type CudaSpec = z.output<typeof CudaSpecSchema>;
