// The CUDA path end to end, where a machine has it: a tiny random Qwen trained a few QLoRA steps by
// the worker, its PEFT adapter loaded back in wgml, and wgml's logits (nf4 base + adapter) compared
// with PyTorch's (bitsandbytes nf4 base + PeftModel) on the same ids, also with new tokens' rows
// trained beside the LoRA (special-tokens' trainable_token_indices), and plain LoRA on the bf16 base
// (quantization format none), which needs no bitsandbytes. Without an NVIDIA GPU and the worker's
// packages the tests are skipped, and their names say which of them is absent.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { TrainPlanInput } from '../../src/cuda/plan.js';
import { cudaFineTune } from '../../src/cuda/steps.js';
import { WORKER_DIR, workerEnv } from '../../src/cuda/worker.js';
import { readPeftAdapter } from '../../src/io/peft.js';
import { EMBED_ROWS_NAME } from '../../src/nn/token-rows.js';
import { relError } from '../helpers/gpu.js';
import { TINY_QWEN3, type TinyModel, writeTinyQwen } from '../helpers/tiny-qwen.js';
import { PYTHON, TRIED } from './python.js';
import { LOGITS_BOUND, logitsError, SMOKE_IDS, type SmokeFormat, smokeTrainInput, torchLogits } from './smoke.js';

type EnvReport = { packages: Record<string, string | null>; cuda: { devices: unknown[] } };

function envReport(): EnvReport | string {
  if (PYTHON === null) return `no Python 3.10+ among ${TRIED}`;
  try {
    return JSON.parse(execFileSync(PYTHON, ['-m', 'wgml_cuda', 'env'], { cwd: WORKER_DIR, env: workerEnv(), encoding: 'utf8' })) as EnvReport;
  } catch (error) {
    return `the worker's env report failed (${(error as Error).message.split('\n')[0]})`;
  }
}

const REPORT = envReport();
const LORA_STACK = ['torch', 'transformers', 'peft', 'accelerate', 'safetensors'];

/** Why training with these packages cannot run here ('' when it can). */
function absent(packages: readonly string[]): string {
  if (typeof REPORT === 'string') return REPORT;
  const missing = packages.filter((p) => !REPORT.packages[p]);
  if (missing.length) return `missing ${missing.join(', ')}`;
  return REPORT.cuda.devices.length ? '' : 'no CUDA device';
}

const why = absent([...LORA_STACK, 'bitsandbytes']);
const whyBf16 = absent(LORA_STACK);

/** The worker's adapter after 3 steps on `tiny` (see smokeTrainInput). */
async function trainTiny(tiny: TinyModel, ids: readonly number[], format: SmokeFormat, trainableTokens?: TrainPlanInput['trainableTokens']): Promise<string> {
  const { adapterDir } = await cudaFineTune(smokeTrainInput(tiny.dir, `${tiny.dir}/run`, ids, format, trainableTokens), { gpus: 1, log: (l) => console.log(l), python: PYTHON! });
  return adapterDir;
}

const errorOf = (modelDir: string, adapterDir: string, ids: readonly number[], format: SmokeFormat) => logitsError(modelDir, adapterDir, ids, format, torchLogits(PYTHON!, modelDir, adapterDir, ids, format));

describe.skipIf(why !== '')(`CUDA smoke on a tiny Qwen (${why ? `skipped: ${why}` : 'CUDA'})`, () => {
  it('trains 3 QLoRA steps, writes a PEFT adapter wgml loads, and wgml and PyTorch agree on its logits', async () => {
    const tiny = await writeTinyQwen(TINY_QWEN3);
    const error = await errorOf(tiny.dir, await trainTiny(tiny, SMOKE_IDS, 'nf4'), SMOKE_IDS, 'nf4');
    console.log(`wgml vs PyTorch logits: relative error ${error.toExponential(3)}`);
    expect(error).toBeLessThan(LOGITS_BOUND.nf4);
  });

  it("trains new tokens' rows of a tied model (trainable_token_indices): PEFT's rows, under wgml's names, move, and the logits agree", async () => {
    const tiny = await writeTinyQwen({ ...TINY_QWEN3, tieWordEmbeddings: true, seed: 11 });
    const rows = [298, 299];
    const ids = [5, 298, 42, 299, 123, 298, 64, 299];
    const adapterDir = await trainTiny(tiny, ids, 'nf4', { indices: rows, tied: true });
    const { tensors } = await readPeftAdapter(adapterDir);
    expect([...tensors.keys()].filter((n) => n.includes('token_adapter'))).toEqual([EMBED_ROWS_NAME]);
    const C = TINY_QWEN3.hiddenSize;
    const base = tiny.weights.get('model.embed_tokens.weight')!;
    expect(relError(tensors.get(EMBED_ROWS_NAME)!.data, Float32Array.from(rows.flatMap((id) => [...base.subarray(id * C, (id + 1) * C)])))).toBeGreaterThan(1e-4);
    const error = await errorOf(tiny.dir, adapterDir, ids, 'nf4');
    console.log(`wgml vs PyTorch logits with token rows: relative error ${error.toExponential(3)}`);
    expect(error).toBeLessThan(LOGITS_BOUND.nf4);
  });
});

describe.skipIf(whyBf16 !== '')(`CUDA smoke on a tiny Qwen's bf16 base (${whyBf16 ? `skipped: ${whyBf16}` : 'CUDA'})`, () => {
  it('trains 3 LoRA steps on the bf16 base (quantization format none), and wgml and PyTorch agree on the adapter\'s logits', async () => {
    const tiny = await writeTinyQwen({ ...TINY_QWEN3, seed: 5 });
    const error = await errorOf(tiny.dir, await trainTiny(tiny, SMOKE_IDS, 'none'), SMOKE_IDS, 'none');
    console.log(`wgml vs PyTorch logits on the bf16 base: relative error ${error.toExponential(3)}`);
    expect(error).toBeLessThan(LOGITS_BOUND.none);
  });
});
