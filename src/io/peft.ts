// PEFT LoRA adapters on disk: adapter_config.json + adapter_model.safetensors with PEFT's key names
// (base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight), readable by peft.PeftModel.
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CheckpointFormatError, ConfigError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { openSafetensors, writeSafetensors, type TensorToWrite } from './safetensors.js';

export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** The adapter_config.json fields wgml reads; others PEFT writes are kept as they are. */
export const AdapterConfigSchema = z
  .object({
    peft_type: z.literal('LORA'),
    task_type: z.string().default('CAUSAL_LM'),
    r: z.number().int().positive(),
    lora_alpha: z.number().positive(),
    lora_dropout: z.number().min(0).lt(1).default(0),
    target_modules: z.union([z.array(z.enum(LORA_TARGETS)), z.enum(LORA_TARGETS)]).transform((t) => (Array.isArray(t) ? t : [t])),
    use_rslora: z.boolean().default(false),
    bias: z.literal('none').default('none'),
    base_model_name_or_path: z.string().nullable().default(null),
    fan_in_fan_out: z.literal(false).default(false),
  })
  .passthrough();
export type AdapterConfig = z.output<typeof AdapterConfigSchema>;

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

/** PEFT's name of layer `layer`'s LoRA `which` matrix on `target`. */
export function loraTensorName(layer: number, target: LoraTarget, which: 'A' | 'B'): string {
  const block = ['gate_proj', 'up_proj', 'down_proj'].includes(target) ? 'mlp' : 'self_attn';
  return `base_model.model.model.layers.${layer}.${block}.${target}.lora_${which}.weight`;
}

/** The scale PEFT applies to B·A: alpha/r, or alpha/√r with rsLoRA. */
export function loraScaling(config: Pick<AdapterConfig, 'r' | 'lora_alpha' | 'use_rslora'>): number {
  return config.use_rslora ? config.lora_alpha / Math.sqrt(config.r) : config.lora_alpha / config.r;
}

export async function writePeftAdapter(dir: string, config: AdapterConfig, tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const record: Record<string, TensorToWrite> = {};
  for (const [name, t] of tensors) record[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS), record, { format: 'pt' });
  await writeFileAtomic(join(dir, ADAPTER_CONFIG), JSON.stringify({ inference_mode: true, init_lora_weights: true, modules_to_save: null, ...config }, null, 2) + '\n');
}

export interface PeftAdapter {
  config: AdapterConfig;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

export async function readPeftAdapter(dir: string): Promise<PeftAdapter> {
  const configFile = join(dir, ADAPTER_CONFIG);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(configFile, 'utf8'));
  } catch (error) {
    throw new CheckpointFormatError(`${configFile}: cannot read the adapter config (${(error as Error).message})`);
  }
  const parsed = AdapterConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${configFile}: field "${issue.path.join('.')}": ${issue.message}`);
  }
  const reader = await openSafetensors(join(dir, ADAPTER_WEIGHTS));
  try {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const name of reader.names()) tensors.set(name, { shape: [...reader.info(name).shape], data: await reader.readF32(name) });
    return { config: parsed.data, tensors };
  } finally {
    await reader.close();
  }
}
