// config.json and generation_config.json of HF Qwen2/Qwen3 model directories, validated once
// here so model code can trust every field.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export const SUPPORTED_ARCHITECTURES = ['Qwen2ForCausalLM', 'Qwen3ForCausalLM'] as const;
export type QwenArchitecture = (typeof SUPPORTED_ARCHITECTURES)[number];

const MODEL_TYPE: Record<QwenArchitecture, string> = { Qwen2ForCausalLM: 'qwen2', Qwen3ForCausalLM: 'qwen3' };

export interface QwenConfig {
  readonly architecture: QwenArchitecture;
  readonly modelType: 'qwen2' | 'qwen3';
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  readonly vocabSize: number;
  readonly tieWordEmbeddings: boolean;
  readonly maxPositionEmbeddings: number;
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  /** Dtype the weights were saved in, as HF spells it. */
  readonly torchDtype: 'float32' | 'float16' | 'bfloat16' | null;
  /** Passed through unchanged for the loaders of pre-quantized checkpoints. */
  readonly quantizationConfig: Readonly<Record<string, unknown>> | null;
  /** q/k/v projections carry a bias: always in Qwen2, per `attention_bias` in Qwen3. */
  readonly qkvBias: boolean;
  /** Per-head RMSNorm on q and k before RoPE (Qwen3). */
  readonly qkNorm: boolean;
}

const positiveInt = z.number().int().positive();
const tokenId = z.number().int().nonnegative();
const tokenIds = z.union([tokenId, z.array(tokenId)]).nullish();
const floatDtype = z.enum(['float32', 'float16', 'bfloat16']);

// Defaults are those of transformers' Qwen2Config/Qwen3Config, so a config that relies on
// them means what it means in PyTorch.
const qwenConfigSchema = z.object({
  architectures: z.array(z.string()).min(1),
  model_type: z.enum(['qwen2', 'qwen3']),
  hidden_size: positiveInt,
  intermediate_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.optional(),
  head_dim: positiveInt.optional(),
  hidden_act: z.literal('silu').default('silu'),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  vocab_size: positiveInt,
  tie_word_embeddings: z.boolean().default(false),
  max_position_embeddings: positiveInt.default(32768),
  bos_token_id: tokenId.nullish(),
  eos_token_id: tokenIds,
  torch_dtype: floatDtype.nullish(),
  // transformers ≥ 4.56 writes `dtype` instead of `torch_dtype`.
  dtype: floatDtype.nullish(),
  attention_bias: z.boolean().default(false),
  use_sliding_window: z.boolean().default(false),
  rope_scaling: z.unknown().optional(),
  quantization_config: z.record(z.string(), z.unknown()).nullish(),
});

type RawQwenConfig = z.output<typeof qwenConfigSchema>;

/** Validates a parsed config.json; `file` is named in every error. */
export function parseQwenConfig(json: unknown, file: string): QwenConfig {
  const architecture = checkArchitecture(json, file);
  const raw = parseWithSchema(qwenConfigSchema, json, file);
  if (raw.model_type !== MODEL_TYPE[architecture]) {
    fail(file, `model_type "${raw.model_type}" does not match architecture ${architecture} (expected "${MODEL_TYPE[architecture]}")`);
  }
  if (raw.use_sliding_window) fail(file, 'use_sliding_window: true is not supported; set it to false');
  checkRopeScaling(raw.rope_scaling, file);
  return {
    architecture,
    modelType: raw.model_type,
    hiddenSize: raw.hidden_size,
    intermediateSize: raw.intermediate_size,
    numLayers: raw.num_hidden_layers,
    numHeads: raw.num_attention_heads,
    numKvHeads: kvHeads(raw, file),
    headDim: headDim(raw, file),
    rmsNormEps: raw.rms_norm_eps,
    ropeTheta: raw.rope_theta,
    vocabSize: raw.vocab_size,
    tieWordEmbeddings: raw.tie_word_embeddings,
    maxPositionEmbeddings: raw.max_position_embeddings,
    bosTokenId: raw.bos_token_id ?? null,
    eosTokenIds: toIdList(raw.eos_token_id),
    torchDtype: raw.torch_dtype ?? raw.dtype ?? null,
    quantizationConfig: raw.quantization_config ?? null,
    qkvBias: architecture === 'Qwen2ForCausalLM' || raw.attention_bias,
    qkNorm: architecture === 'Qwen3ForCausalLM',
  };
}

export async function readQwenConfig(dir: string): Promise<QwenConfig> {
  const file = join(dir, 'config.json');
  return parseQwenConfig(await readJsonFile(file), file);
}

// Checked before the schema so an unsupported model fails with that, not with field errors.
function checkArchitecture(json: unknown, file: string): QwenArchitecture {
  const architectures = (json as { architectures?: unknown } | null)?.architectures;
  const first = Array.isArray(architectures) ? architectures[0] : undefined;
  const supported = SUPPORTED_ARCHITECTURES as readonly unknown[];
  if (!supported.includes(first)) {
    fail(file, `architectures ${JSON.stringify(architectures)} is not supported; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}`);
  }
  return first as QwenArchitecture;
}

// Only plain RoPE is implemented; a scaled variant (yarn, linear, dynamic, ...) would load
// and then silently produce wrong logits at long positions.
function checkRopeScaling(ropeScaling: unknown, file: string): void {
  if (ropeScaling === undefined || ropeScaling === null) return;
  const obj = typeof ropeScaling === 'object' && !Array.isArray(ropeScaling) ? (ropeScaling as Record<string, unknown>) : null;
  const type = obj ? (obj.rope_type ?? obj.type) : undefined;
  if (type === 'default') return;
  const described = obj ? `type ${JSON.stringify(type)}` : `a ${Array.isArray(ropeScaling) ? 'array' : typeof ropeScaling}`;
  fail(file, `rope_scaling is ${described}; only null (plain RoPE) is supported`);
}

function kvHeads(raw: RawQwenConfig, file: string): number {
  const kv = raw.num_key_value_heads ?? raw.num_attention_heads;
  if (raw.num_attention_heads % kv !== 0) {
    fail(file, `num_attention_heads (${raw.num_attention_heads}) must be a multiple of num_key_value_heads (${kv})`);
  }
  return kv;
}

function headDim(raw: RawQwenConfig, file: string): number {
  if (raw.head_dim !== undefined) return raw.head_dim;
  if (raw.hidden_size % raw.num_attention_heads !== 0) {
    fail(file, `hidden_size (${raw.hidden_size}) is not divisible by num_attention_heads (${raw.num_attention_heads}); set head_dim`);
  }
  return raw.hidden_size / raw.num_attention_heads;
}

export interface GenerationConfig {
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | null;
  readonly doSample: boolean;
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
}

// Defaults are transformers' GenerationConfig defaults, used when a field or the file is absent.
const generationConfigSchema = z.object({
  bos_token_id: tokenId.nullish(),
  eos_token_id: tokenIds,
  pad_token_id: tokenId.nullish(),
  do_sample: z.boolean().default(false),
  temperature: z.number().nonnegative().default(1.0),
  top_p: z.number().gt(0).lte(1).default(1.0),
  top_k: z.number().int().nonnegative().default(50),
});

export function parseGenerationConfig(json: unknown, file: string): GenerationConfig {
  const raw = parseWithSchema(generationConfigSchema, json, file);
  return {
    bosTokenId: raw.bos_token_id ?? null,
    eosTokenIds: toIdList(raw.eos_token_id),
    padTokenId: raw.pad_token_id ?? null,
    doSample: raw.do_sample,
    temperature: raw.temperature,
    topP: raw.top_p,
    topK: raw.top_k,
  };
}

/** generation_config.json is optional in HF model dirs; without it every field takes its default. */
export async function readGenerationConfig(dir: string): Promise<GenerationConfig> {
  const file = join(dir, 'generation_config.json');
  const json = await readJsonFile(file, {});
  return parseGenerationConfig(json, file);
}

function toIdList(ids: number | readonly number[] | null | undefined): number[] {
  if (ids === null || ids === undefined) return [];
  return typeof ids === 'number' ? [ids] : [...ids];
}

function parseWithSchema<S extends z.ZodType>(schema: S, json: unknown, file: string): z.output<S> {
  const result = schema.safeParse(json, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(`${file}: ${result.error.issues.map(formatIssue).join('; ')}`);
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  if (issue.code === 'invalid_type' && issue.input === undefined) return `field "${field}": missing (expected ${issue.expected})`;
  return `field "${field}": ${issue.message}`;
}

/** Reads and parses a JSON file; `ifMissing` is returned for an absent file when given. */
export async function readJsonFile(file: string, ifMissing?: unknown): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && ifMissing !== undefined) return ifMissing;
    throw new ConfigError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

function fail(file: string, message: string): never {
  throw new ConfigError(`${file}: ${message}`);
}
