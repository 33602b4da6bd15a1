// runCudaStep: the one call a recipe step makes for --backend cuda. It writes the resolved spec
// (atomically) where the caller says, then either prints the spec and the exact command lines
// (--dry-run) or runs them (generation workers side by side) and waits; a worker's own one-line
// error (bad spec, missing package, no CUDA device) becomes the message of a CudaWorkerError.
import { execFile, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WgmlError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { commandLine, workerCommands, type WorkerCommand } from './commands.js';
import { perDeviceBatch } from './plan.js';
import { CudaSpecSchema, type CudaSpec } from './spec.js';
import { pythonExecutable, REQUIREMENTS, WORKER_DIR, workerEnv } from './worker.js';

/** A worker process failed or could not start; the message is its last error line and how to fix it. */
export class CudaWorkerError extends WgmlError {}

export interface CudaStepOptions {
  /** Where the spec is written (say <run>/cuda/train.json). */
  specPath: string;
  /** Print the spec and commands; run nothing. */
  dryRun?: boolean;
  /** Overrides the spec's GPU count (the per-GPU micro-batch, launcher and workers follow). */
  gpus?: number;
  log?: (line: string) => void;
  /** The interpreter; default $WGML_PYTHON or python3. */
  python?: string;
  /**
   * Where a file the spec names is written; default: where the spec names it. A recipe's dry run
   * writes into a scratch copy of the run directory while the spec and commands name the real one.
   */
  relocate?: (path: string) => string;
}

export interface CudaStepResult {
  spec: CudaSpec;
  specPath: string;
  /** The command lines, as printed by --dry-run. */
  commands: string[];
  ran: boolean;
}

/** `spec` for `gpus` GPUs: training re-splits its step over them; generation re-checks tensor parallelism. */
export function withGpus(spec: CudaSpec, gpus: number): CudaSpec {
  if (spec.task === 'generate') return CudaSpecSchema.parse({ ...spec, gpus });
  const launcher = gpus === 1 ? 'python' : spec.launcher === 'python' ? 'torchrun' : spec.launcher;
  return { ...spec, gpus, launcher, train: { ...spec.train, per_device_batch_size: perDeviceBatch(spec.train.batch_size, spec.train.grad_accum, gpus) } };
}

function checkGpus(spec: CudaSpec): void {
  if (spec.task === 'generate' && spec.gpus % spec.vllm.tensor_parallel_size !== 0) {
    throw new CudaWorkerError(`--gpus ${spec.gpus} is not a multiple of the tensor-parallel size ${spec.vllm.tensor_parallel_size}`);
  }
}

function run(c: WorkerCommand, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(c.argv[0]!, c.argv.slice(1), { env: { ...workerEnv(), ...c.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastError = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => text.split('\n').filter(Boolean).forEach((l) => log(`[cuda] ${l}`)));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      const lines = text.split('\n').filter((l) => l.trim());
      lastError = lines.at(-1) ?? lastError;
      lines.forEach((l) => log(`[cuda] ${l}`));
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'ENOENT' ? `; install Python 3.10+ and the worker's packages: ${c.argv[0]} -m pip install -r ${REQUIREMENTS}` : '';
      reject(new CudaWorkerError(`${c.label}: cannot start ${c.argv[0]} (${error.code ?? error.message})${hint}`));
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new CudaWorkerError(`${c.label} exited with ${signal ?? code}: ${lastError || 'no error output'}`));
    });
  });
}

/**
 * The library calls the worker will make (`python -m wgml_cuda check`: BitsAndBytesConfig, LoraConfig,
 * AdamW, vllm.LLM, SamplingParams), asked of the worker itself so the dry run cannot drift from it.
 */
function workerCalls(python: string, specPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-m', 'wgml_cuda', 'check', specPath], { env: workerEnv(), timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout.trimEnd());
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return resolve(`(${python} not found: the worker's library calls are printed by \`${python} -m wgml_cuda check ${specPath}\` where Python 3.10+ is)`);
      reject(new CudaWorkerError(`${specPath}: the worker refuses the spec: ${stderr.trim().split('\n').at(-1) ?? error.message}`));
    });
  });
}

export async function runCudaStep(spec: CudaSpec, o: CudaStepOptions): Promise<CudaStepResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const resolved = CudaSpecSchema.parse(o.gpus === undefined ? spec : withGpus(spec, o.gpus));
  checkGpus(resolved);
  const text = JSON.stringify(resolved, null, 2) + '\n';
  const written = (o.relocate ?? ((p: string) => p))(o.specPath);
  await mkdir(dirname(written), { recursive: true });
  await writeFileAtomic(written, text);
  const python = o.python ?? pythonExecutable();
  const commands = workerCommands(resolved, o.specPath, python);
  const lines = commands.map((c) => commandLine(c, { PYTHONPATH: WORKER_DIR }));
  if (o.dryRun) {
    log(`[cuda] spec ${o.specPath}:\n${text.trimEnd()}`);
    log(`[cuda] ${commands.length === 1 ? 'command' : `${commands.length} commands, run side by side`}:\n${lines.join('\n')}`);
    log(`[cuda] ${(await workerCalls(python, written)).replaceAll(written, o.specPath)}`);
    return { spec: resolved, specPath: o.specPath, commands: lines, ran: false };
  }
  log(`[cuda] ${lines.join('\n[cuda] ')}`);
  // Every worker is waited for, so no process outlives the step; the first failure is reported.
  const failed = (await Promise.allSettled(commands.map((c) => run(c, log)))).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { spec: resolved, specPath: o.specPath, commands: lines, ran: true };
}
