// Whether this machine can run a CUDA task now, asked before a recipe writes anything: the same
// probe and findings as `wgml doctor --backend cuda`, narrowed to what the task imports, so a
// missing interpreter, package or GPU fails in one line that names it and the command that fixes it.
import { WgmlError } from '../errors.js';
import { cudaFindings, probeCuda, type Finding } from './probe.js';
import { pythonExecutable } from './worker.js';

/** The machine lacks what a CUDA task needs; the message names the first missing thing and its fix. */
export class CudaNotReadyError extends WgmlError {}

export type CudaTask = 'train' | 'generate';

/** The findings each task depends on (vLLM is not imported by training, bitsandbytes only by training on a 4-bit base). */
const NEEDS: Record<CudaTask, readonly string[]> = {
  train: ['python', 'torch', 'transformers', 'peft', 'accelerate', 'safetensors', 'cuda', 'gpus'],
  generate: ['python', 'torch', 'transformers', 'vllm', 'cuda', 'gpus'],
};

function failing(findings: readonly Finding[], tasks: readonly CudaTask[], quantized: boolean): Finding | undefined {
  const needed = new Set(tasks.flatMap((t) => (t === 'train' && quantized ? [...NEEDS.train, 'bitsandbytes'] : NEEDS[t])));
  return findings.find((f) => needed.has(f.name) && !f.ok);
}

export interface CudaReadyOptions {
  /** Default: $WGML_PYTHON, else python3. */
  python?: string;
  /** Training loads a 4-bit base through bitsandbytes (QLoRA); false: a bf16 base. Default true. */
  quantized?: boolean;
}

/** Throws CudaNotReadyError unless `tasks` can run on `gpus` GPUs. */
export async function assertCudaReady(tasks: readonly CudaTask[], gpus: number, o: CudaReadyOptions = {}): Promise<void> {
  const [python, quantized] = [o.python ?? pythonExecutable(), o.quantized ?? true];
  const probe = await probeCuda(python);
  const missing = failing(cudaFindings(probe), tasks, quantized);
  const doctor = '(`npx wgml doctor --backend cuda` lists everything)';
  if (missing) throw new CudaNotReadyError(`--backend cuda: ${missing.name}: ${missing.value}; fix: ${missing.fix ?? 'see the doctor'} ${doctor}`);
  const seen = probe.ok ? probe.report.cuda.devices.length : 0;
  if (seen < gpus) throw new CudaNotReadyError(`--backend cuda: --gpus ${gpus} but ${seen} GPU${seen === 1 ? ' is' : 's are'} visible; lower --gpus or check CUDA_VISIBLE_DEVICES ${doctor}`);
}
