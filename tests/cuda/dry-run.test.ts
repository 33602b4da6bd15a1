// --dry-run: runCudaStep writes the spec and prints it with the exact command lines, running nothing;
// --gpus N turns one process into torchrun over N, or into N/tp vLLM workers pinned to their GPUs.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCudaStep } from '../../src/cuda/launcher.js';
import { generateSpec, trainSpec } from '../../src/cuda/plan.js';
import { WORKER_DIR } from '../../src/cuda/worker.js';
import { generateInput, trainInput } from './fixtures.js';
import { PYTHON } from './python.js';

async function dryRun(spec: Parameters<typeof runCudaStep>[0], gpus?: number) {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-dry-'));
  const lines: string[] = [];
  const specPath = join(dir, 'spec.json');
  const result = await runCudaStep(spec, { specPath, dryRun: true, log: (l) => lines.push(l), python: PYTHON ?? 'python3', ...(gpus ? { gpus } : {}) });
  return { result, printed: lines.join('\n'), file: await readFile(specPath, 'utf8'), specPath };
}

const env = `PYTHONPATH=${WORKER_DIR}`;
const py = PYTHON ?? 'python3';

describe('--dry-run', () => {
  it('one GPU trains in one python process', async () => {
    const { result, specPath } = await dryRun(trainSpec(trainInput('/w')));
    expect(result.commands).toEqual([`${env} ${py} -m wgml_cuda train ${specPath}`]);
    expect(result.ran).toBe(false);
  });

  it('8 GPUs train under torchrun with one process each, the step split into per-GPU micro-batches', async () => {
    const { result, specPath } = await dryRun(trainSpec(trainInput('/w')), 8);
    expect(result.commands).toEqual([`${env} torchrun --standalone --nproc_per_node=8 -m wgml_cuda train ${specPath}`]);
    // 8 × 2 examples a step over 8 GPUs: 2 rows each.
    expect(result.spec.task === 'train' && [result.spec.gpus, result.spec.train.per_device_batch_size]).toEqual([8, 2]);
  });

  it.skipIf(PYTHON === null)('prints the BitsAndBytesConfig and LoraConfig of a train spec (needs Python 3.10+)', async () => {
    const { printed } = await dryRun(trainSpec(trainInput('/w')));
    expect(printed).toContain("BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4', bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype='bfloat16')");
    expect(printed).toMatch(/LoraConfig\(r=16, lora_alpha=32, lora_dropout=0\.05, target_modules=\['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'\]/);
  });

  it('8 GPUs train under accelerate launch when the spec asks for it', async () => {
    const { result, specPath } = await dryRun(trainSpec(trainInput('/w', { gpus: 8, launcher: 'accelerate' })));
    expect(result.commands).toEqual([`${env} accelerate launch --multi_gpu --num_processes=8 --mixed_precision=bf16 -m wgml_cuda train ${specPath}`]);
  });

  it('accelerate launch on a bf16 base (no quantization) trains in bf16', async () => {
    const { result, specPath } = await dryRun(trainSpec(trainInput('/w', { gpus: 8, launcher: 'accelerate', quantization: { format: 'none', double_quant: false, block_size: 64 } })));
    expect(result.commands).toEqual([`${env} accelerate launch --multi_gpu --num_processes=8 --mixed_precision=bf16 -m wgml_cuda train ${specPath}`]);
  });

  it('prints the spec exactly as written to the spec file', async () => {
    const { printed, file, specPath } = await dryRun(trainSpec(trainInput('/w')));
    expect(printed).toContain(`[cuda] spec ${specPath}:\n${file.trimEnd()}`);
  });

  it.skipIf(PYTHON === null)('prints the library calls the worker will make, asked of the worker (needs Python 3.10+)', async () => {
    const { printed } = await dryRun(generateSpec(generateInput('/w', { adapter: { name: 'math', path: '/w/adapter', rank: 16 } })));
    expect(printed).toContain("vllm.LLM(model='/w/models/Qwen3-4B', tensor_parallel_size=1, dtype='bfloat16', gpu_memory_utilization=0.9, max_model_len=None, seed=42, enable_lora=True, max_lora_rank=16)");
    expect(printed).toContain('vllm.SamplingParams(n=1, temperature=0.7, top_p=1, top_k=-1, max_tokens=2048, stop=None');
  });

  it('one GPU generates in one vLLM process on GPU 0 with every chunk', async () => {
    const { result, specPath } = await dryRun(generateSpec(generateInput('/w')));
    expect(result.commands).toEqual([`${env} CUDA_VISIBLE_DEVICES=0 ${py} -m wgml_cuda generate ${specPath} --shard=0/1`]);
  });

  it('8 GPUs at tensor parallel 2 generate in 4 workers, each on its own 2 GPUs and share of chunks', async () => {
    const { result, specPath } = await dryRun(generateSpec(generateInput('/w', { gpus: 8, tensorParallel: 2 })));
    expect(result.commands).toEqual([0, 1, 2, 3].map((w) => `${env} CUDA_VISIBLE_DEVICES=${2 * w},${2 * w + 1} ${py} -m wgml_cuda generate ${specPath} --shard=${w}/4`));
  });

  it('refuses a GPU count that tensor parallelism does not divide', async () => {
    await expect(dryRun(generateSpec(generateInput('/w', { tensorParallel: 2, gpus: 2 })), 3)).rejects.toThrow(/multiple of the tensor-parallel size 2/);
  });
});
