// Recipe blocks as the kit's defaults make them (recipes/kit/blocks.ts), for the CUDA plan tests.
import { LORA_TARGETS } from '../../src/io/peft.js';
import type { GeneratePlanInput, TrainPlanInput } from '../../src/cuda/plan.js';

export function trainInput(root: string, over: Partial<TrainPlanInput> = {}): TrainPlanInput {
  return {
    model: `${root}/models/Qwen3-4B`,
    runDir: `${root}/runs/gsm8k-qlora/r1`,
    trainFile: `${root}/runs/gsm8k-qlora/r1/cuda/train.jsonl`,
    evalFile: null,
    examples: 7473,
    padTokenId: 151643,
    quantization: { format: 'nf4', double_quant: true, block_size: 64 },
    lora: { r: 16, alpha: 32, dropout: 0.05, target_modules: [...LORA_TARGETS] },
    train: { epochs: 1, max_steps: null, learning_rate: 2e-4, batch_size: 8, grad_accum: 2, scheduler: 'cosine', warmup_ratio: 0.03, weight_decay: 0, max_grad_norm: 1, save_every: 0, eval_steps: 0, seed: 42 },
    gpus: 1,
    resume: false,
    ...over,
  };
}

export function generateInput(root: string, over: Partial<GeneratePlanInput> = {}): GeneratePlanInput {
  return {
    model: `${root}/models/Qwen3-4B`,
    modelName: 'Qwen3-4B',
    promptsFile: `${root}/runs/critique/r1/cuda/prompts.jsonl`,
    outDir: `${root}/runs/critique/r1/chunks`,
    chunkSize: 64,
    chunkIds: Array.from({ length: 625 }, (_, i) => i),
    sampling: { n: 8, temperature: 0.7, top_p: 1, top_k: 0, max_tokens: 2048, stop: [], seed: 42, prompt_template: '{problem}' },
    gpus: 1,
    ...over,
  };
}
