// `recipe NAME [STEP] --backend cuda [--gpus N] [--dry-run]` through the built command: a dry run
// prints the resolved spec and the exact worker command lines and leaves no run directory; a real
// run on a machine without the CUDA stack stops in one line before anything is written.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKER_DIR } from '../../src/cuda/worker.js';
import { PYTHON } from '../cuda/python.js';
import { printedCommands, printedSpecs, recipeCli } from './recipe-cli.js';

/** Every file under `dir` with its bytes. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  return Object.fromEntries(await Promise.all(files.map(async (e) => [join(e.parentPath, e.name), await readFile(join(e.parentPath, e.name), 'utf8')] as const)));
}

/** The interpreter the dry runs name (any; only `check`, stdlib-only, is run with it). */
const PY = PYTHON ?? 'python3';
const env = { WGML_PYTHON: PY };

async function trainDryRun(gpus: number, ...extra: string[]) {
  const run = await recipeCli(['gsm8k-qlora', 'train', '--smoke', '--run', 't', '--backend', 'cuda', '--gpus', String(gpus), '--dry-run', ...extra], env);
  const dir = join(run.cwd, 'runs', 'gsm8k-qlora', 't');
  return { ...run, dir, specPath: join(dir, 'cuda', 'train.json') };
}

describe('recipe --backend cuda --dry-run, training', () => {
  it('on 1 GPU prints one python process over the spec and exits 0', async () => {
    const { code, stdout, specPath } = await trainDryRun(1);
    expect(code).toBe(0);
    expect(printedCommands(stdout)).toEqual([`PYTHONPATH=${WORKER_DIR} ${PY} -m wgml_cuda train ${specPath}`]);
  });

  it('on 8 GPUs prints torchrun with 8 processes', async () => {
    const { code, stdout, specPath } = await trainDryRun(8);
    expect(code).toBe(0);
    expect(printedCommands(stdout)).toEqual([`PYTHONPATH=${WORKER_DIR} torchrun --standalone --nproc_per_node=8 -m wgml_cuda train ${specPath}`]);
  });

  it('prints the resolved spec: the config, wgml-tokenized data under the run directory, the step split over the GPUs', async () => {
    const { stdout, dir, specPath } = await trainDryRun(8);
    const spec = printedSpecs(stdout).get(specPath) as { model: string; data: { train: string }; adapter_dir: string; gpus: number; launcher: string; lora: { r: number }; quantization: { format: string }; train: { max_steps: number; batch_size: number; per_device_batch_size: number; learning_rate: number } };
    expect(spec.model).toMatch(/models\/qwen3-tiny$/);
    expect([spec.data.train, spec.adapter_dir]).toEqual([join(dir, 'cuda', 'train.jsonl'), join(dir, 'adapter')]);
    expect([spec.gpus, spec.launcher, spec.lora.r, spec.quantization.format]).toEqual([8, 'torchrun', 16, 'nf4']);
    // --smoke: max_steps 4, batch_size 4: 4 rows a step over 8 GPUs is 1 row each.
    expect([spec.train.max_steps, spec.train.batch_size, spec.train.per_device_batch_size, spec.train.learning_rate]).toEqual([4, 4, 1, 8e-3]);
  });

  it('leaves no run directory behind and says where it would be', async () => {
    const { stdout, dir, cwd } = await trainDryRun(1);
    expect(stdout).toContain(`the run directory would be ${dir}`);
    expect(existsSync(join(cwd, 'runs'))).toBe(false);
  });

  it.skipIf(PYTHON === null)("prints the worker's library calls (needs Python 3.10+)", async () => {
    const { stdout } = await trainDryRun(1);
    expect(stdout).toContain("BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4', bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype='bfloat16')");
  });

  it.skipIf(PYTHON === null)('with quantization.format none trains plain LoRA on the bf16 base: quantization null, no bitsandbytes call (needs Python 3.10+)', async () => {
    const { code, stdout, specPath } = await trainDryRun(1, '--set', 'quantization.format=none');
    expect(code).toBe(0);
    expect((printedSpecs(stdout).get(specPath) as { quantization: unknown }).quantization).toBeNull();
    expect(stdout).toContain("AutoModelForCausalLM.from_pretrained(dtype='bfloat16')");
    expect(stdout).not.toContain('BitsAndBytesConfig');
  });

  it('names the steps of the pipeline it does not run (they run on WebGPU after training)', async () => {
    const { code, stdout } = await recipeCli(['gsm8k-qlora', '--smoke', '--run', 't', '--backend', 'cuda', '--dry-run'], env);
    expect(code).toBe(0);
    expect(stdout).toContain('[dry-run] not run: eval, safety');
  });
});

describe('recipe --backend cuda --dry-run, generation', () => {
  it('prints the vLLM workers of critique generate: tensor parallel GPUs pinned, the chunks and sampling in the spec', async () => {
    const run = await recipeCli(['critique', 'generate', '--run', 'c', '--chunk-size', '16', '--backend', 'cuda', '--gpus', '4', '--set', 'generate.tensor_parallel=2', '--dry-run'], env);
    const dir = join(run.cwd, 'runs', 'critique', 'c');
    const specPath = join(dir, 'cuda', 'generate-qwen3-tiny.json');
    expect(run.code).toBe(0);
    expect(printedCommands(run.stdout)).toContain(`PYTHONPATH=${WORKER_DIR} CUDA_VISIBLE_DEVICES=2,3 ${PY} -m wgml_cuda generate ${specPath} --shard=1/2`);
    const spec = printedSpecs(run.stdout).get(specPath) as { out_dir: string; chunk_ids: number[]; chunk_size: number; vllm: { tensor_parallel_size: number }; sampling: { n: number; temperature: number }; adapter: null };
    expect([spec.out_dir, spec.chunk_ids, spec.chunk_size, spec.vllm.tensor_parallel_size, spec.sampling.n, spec.sampling.temperature, spec.adapter]).toEqual([join(dir, 'chunks'), [0, 1, 2], 16, 2, 8, 0.7, null]);
    expect(printedSpecs(run.stdout).has(join(dir, 'cuda', 'generate-qwen3-tiny-b.json'))).toBe(true);
    expect(existsSync(join(run.cwd, 'runs'))).toBe(false);
  });

  it('on an existing run writes nothing into it: no spec, no prompts, no config', async () => {
    const first = await recipeCli(['critique', 'commands', '--run', 'c', '--chunk-size', '16']);
    const dir = join(first.cwd, 'runs', 'critique', 'c');
    const before = await snapshot(dir);
    const run = await recipeCli(['critique', 'generate', '--run', 'c', '--chunk-size', '16', '--backend', 'cuda', '--dry-run'], env, first.cwd);
    expect(run.code).toBe(0);
    expect(printedSpecs(run.stdout).has(join(dir, 'cuda', 'generate-qwen3-tiny.json'))).toBe(true);
    expect(await snapshot(dir)).toEqual(before);
  });

  it.skipIf(PYTHON === null)("prints vllm.LLM's arguments as the worker builds them (needs Python 3.10+)", async () => {
    const run = await recipeCli(['critique', 'generate', '--run', 'c', '--backend', 'cuda', '--gpus', '2', '--set', 'generate.tensor_parallel=2', '--dry-run'], env);
    expect(run.stdout).toMatch(/vllm\.LLM\(model='[^']*models\/qwen3-tiny', tensor_parallel_size=2, dtype='bfloat16'.*enable_lora=False/);
  });

  it('says a step that neither trains nor generates has nothing to print, and exits 0', async () => {
    const first = await recipeCli(['critique', 'filter', '--run', 'c', '--backend', 'cuda', '--dry-run'], env);
    expect(first.stderr).toMatch(/does not exist: run the steps before this one first/);
    await mkdir(join(first.cwd, 'runs', 'critique', 'c'), { recursive: true });
    const run = await recipeCli(['critique', 'filter', '--run', 'c', '--backend', 'cuda', '--dry-run'], env, first.cwd);
    expect([run.code, run.stdout]).toEqual([0, expect.stringContaining('[dry-run] filter runs on WebGPU whatever the backend')]);
  });
});

describe('recipe --backend cuda on a machine without the CUDA stack', () => {
  it('stops in one line naming a missing interpreter and how to get one, before making a run directory', async () => {
    const run = await recipeCli(['gsm8k-qlora', 'train', '--smoke', '--run', 't', '--backend', 'cuda'], { WGML_PYTHON: '/nonexistent/python3' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^CudaNotReadyError: --backend cuda: python: \/nonexistent\/python3: .*not found; fix: install Python 3\.10 or newer .*WGML_PYTHON/)]);
    expect(run.stdout).not.toContain('== gsm8k-qlora train');
    expect(existsSync(join(run.cwd, 'runs'))).toBe(false);
  });

  it.skipIf(PYTHON === null)('names what the interpreter lacks: a package and its pip command, no CUDA device, or too few GPUs (needs Python 3.10+)', async () => {
    // --gpus 99 so that even a machine with the whole stack stops here instead of training.
    const run = await recipeCli(['critique', 'generate', '--run', 'c', '--backend', 'cuda', '--gpus', '99'], env);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^CudaNotReadyError: --backend cuda: (\w+: missing( \(needed for [^)]*\))?; fix: .* -m pip install -r \S+requirements\.txt .*|cuda: .*; fix: .*|gpus: 0; fix: .*|--gpus 99 but \d+ GPUs? (is|are) visible.*)$/);
    expect(existsSync(join(run.cwd, 'runs'))).toBe(false);
  });
});

describe('recipe backend flags', () => {
  it('refuses --dry-run and --gpus without --backend cuda', async () => {
    const [dry, gpus] = await Promise.all([recipeCli(['gsm8k-qlora', '--dry-run']), recipeCli(['gsm8k-qlora', '--gpus', '2'])]);
    expect([dry.code, dry.stderr]).toEqual([1, expect.stringContaining('--dry-run is for --backend cuda')]);
    expect([gpus.code, gpus.stderr]).toEqual([1, expect.stringContaining('--gpus is for --backend cuda')]);
  });

  it('refuses an unknown backend and a GPU count that is not a positive whole number', async () => {
    const [backend, gpus] = await Promise.all([recipeCli(['gsm8k-qlora', '--backend', 'rocm']), recipeCli(['gsm8k-qlora', '--backend', 'cuda', '--gpus', '0'])]);
    expect(backend.stderr).toContain('--backend: is webgpu or cuda');
    expect(gpus.stderr).toMatch(/--gpus: /);
  });

  it("lists special-tokens train as a CUDA step: LoRA and the new tokens' rows go to the QLoRA worker", async () => {
    const { code, stdout } = await recipeCli(['--list']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/special-tokens —[\s\S]*?\n  train +LoRA plus the new tokens' embedding rows.*\[--backend cuda: QLoRA worker\]/);
  });

  it('documents the backend flags in the usage text', async () => {
    const { stdout } = await recipeCli(['--help']);
    expect(stdout).toMatch(/--backend webgpu\|cuda[\s\S]*--gpus N[\s\S]*--dry-run/);
    expect(stdout).toContain('run on WebGPU either way');
    expect(stdout).not.toContain('the only backend in this build');
  });
});
