// The command lines a spec runs as: one process for one GPU, torchrun or `accelerate launch` with one
// process per GPU for training; for generation, one vLLM process per group of tensor-parallel GPUs,
// each pinned to its GPUs with CUDA_VISIBLE_DEVICES and owning a contiguous share of the chunks.
import type { CudaGenerateSpec, CudaSpec, CudaTrainSpec } from './spec.js';

export interface WorkerCommand {
  /** Variables set for this process on top of the worker environment. */
  env: Record<string, string>;
  argv: string[];
  /** What the process does, for progress lines and errors. */
  label: string;
}

export function trainCommands(spec: CudaTrainSpec, specPath: string, python: string): WorkerCommand[] {
  const module = ['-m', 'wgml_cuda', 'train', specPath];
  const n = spec.gpus;
  const label = `train on ${n} GPU${n === 1 ? '' : 's'}`;
  if (spec.launcher === 'python') return [{ env: {}, argv: [python, ...module], label }];
  if (spec.launcher === 'torchrun') return [{ env: {}, argv: ['torchrun', '--standalone', `--nproc_per_node=${n}`, ...module], label }];
  const multi = n > 1 ? ['--multi_gpu'] : [];
  const precision = (spec.quantization?.compute_dtype ?? 'bfloat16') === 'bfloat16' ? 'bf16' : 'fp16';
  return [{ env: {}, argv: ['accelerate', 'launch', ...multi, `--num_processes=${n}`, `--mixed_precision=${precision}`, ...module], label }];
}

export function generateCommands(spec: CudaGenerateSpec, specPath: string, python: string): WorkerCommand[] {
  const tp = spec.vllm.tensor_parallel_size;
  // No more workers than chunks: an idle vLLM engine would hold its GPUs for nothing.
  const workers = Math.min(spec.gpus / tp, spec.chunk_ids.length);
  return Array.from({ length: workers }, (_, w) => ({
    env: { CUDA_VISIBLE_DEVICES: Array.from({ length: tp }, (_, g) => w * tp + g).join(',') },
    argv: [python, '-m', 'wgml_cuda', 'generate', specPath, `--shard=${w}/${workers}`],
    label: `generate ${spec.model_name} worker ${w}/${workers}`,
  }));
}

export function workerCommands(spec: CudaSpec, specPath: string, python: string): WorkerCommand[] {
  return spec.task === 'train' ? trainCommands(spec, specPath, python) : generateCommands(spec, specPath, python);
}

/** POSIX shell quoting: bare when safe, single quotes otherwise. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command as one shell line, with the variables it needs in front (what --dry-run prints). */
export function commandLine(c: WorkerCommand, baseEnv: Record<string, string>): string {
  const vars = Object.entries({ ...baseEnv, ...c.env }).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return [...vars, ...c.argv.map(shellQuote)].join(' ');
}
