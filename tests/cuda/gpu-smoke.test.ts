// The CUDA path end to end, where a machine has it: a tiny random Qwen trained a few QLoRA steps by
// the worker, its PEFT adapter loaded back in wgml, and wgml's logits (nf4 base + adapter) compared
// with PyTorch's (bitsandbytes nf4 base + PeftModel) on the same ids, also with new tokens' rows
// trained beside the LoRA (special-tokens' trainable_token_indices), and plain LoRA on the bf16 base
// (quantization format none), which needs no bitsandbytes. Without an NVIDIA GPU and the worker's
// packages the tests are skipped, and their names say which of them is absent.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cudaFineTune } from '../../src/cuda/steps.js';
import { WORKER_DIR, workerEnv } from '../../src/cuda/worker.js';
import { createDevice } from '../../src/platform/node.js';
import { LORA_TARGETS } from '../../src/io/peft.js';
import { loadModel } from '../../src/model/model.js';
import { EMBED_ROWS_NAME } from '../../src/nn/token-rows.js';
import type { TrainPlanInput } from '../../src/cuda/plan.js';
import { readPeftAdapter } from '../../src/io/peft.js';
import { relError } from '../helpers/gpu.js';
import { TINY_QWEN3, type TinyModel, writeTinyQwen } from '../helpers/tiny-qwen.js';
import { PYTHON, python, TRIED } from './python.js';
import { trainInput } from './fixtures.js';

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
const IDS = [5, 17, 42, 99, 123, 7, 64, 250];

const torchLogits = (modelDir: string, adapter: string, ids: number[], nf4: boolean) => `import json, torch, transformers
from peft import PeftModel
from transformers import AutoModelForCausalLM
from wgml_cuda.args import dtype_kwargs
model_dir, adapter, ids, nf4 = ${JSON.stringify(modelDir)}, ${JSON.stringify(adapter)}, ${JSON.stringify(ids)}, ${nf4 ? 'True' : 'False'}
# The bf16 base is read in f32, as wgml computes over its bf16 weights: the two should agree to rounding.
load = {**dtype_kwargs(transformers.__version__, torch.bfloat16 if nf4 else torch.float32), "device_map": {"": 0}}
if nf4:
    from transformers import BitsAndBytesConfig
    load["quantization_config"] = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)
base = AutoModelForCausalLM.from_pretrained(model_dir, **load)
model = PeftModel.from_pretrained(base, adapter).eval()
with torch.no_grad():
    print(json.dumps(model(input_ids=torch.tensor([ids], device="cuda:0")).logits[0].float().flatten().tolist()))`;

/** The relative error of wgml's logits against PyTorch's (bitsandbytes nf4 or bf16 base + PeftModel) on `ids`. */
async function logitsError(modelDir: string, adapterDir: string, ids: number[], nf4 = true): Promise<number> {
  const device = await createDevice();
  try {
    const model = await loadModel(modelDir, { device, ...(nf4 ? { quantize: 'nf4' as const } : {}), adapter: adapterDir });
    const ours = await model.logits(ids);
    model.dispose();
    const theirs = Float64Array.from(JSON.parse(python(PYTHON!, torchLogits(modelDir, adapterDir, ids, nf4))) as number[]);
    let diff = 0;
    let norm = 0;
    ours.forEach((v, i) => ((diff += (v - theirs[i]!) ** 2), (norm += theirs[i]! ** 2)));
    return Math.sqrt(diff / norm);
  } finally {
    device.destroy();
  }
}

/** 3 QLoRA (or, format none, LoRA) steps of the worker on `tiny` over examples shifted from `ids` (the trainable tokens kept; labels past the first 3). */
async function trainTiny(tiny: TinyModel, ids: number[], trainableTokens?: TrainPlanInput['trainableTokens'], format: 'nf4' | 'none' = 'nf4'): Promise<string> {
  const kept = new Set(trainableTokens?.indices ?? []);
  const examples = Array.from({ length: 8 }, (_, i) => {
    const row = ids.map((t) => (kept.has(t) ? t : (t + i * 11) % TINY_QWEN3.vocabSize));
    return { input_ids: row, labels: row.map((t, k) => (k < 3 ? -100 : t)) };
  });
  const input = trainInput(tiny.dir, { model: tiny.dir, runDir: `${tiny.dir}/run`, padTokenId: 0, quantization: { format, double_quant: true, block_size: 64 }, lora: { r: 8, alpha: 16, dropout: 0, target_modules: [...LORA_TARGETS] }, trainableTokens });
  const { adapterDir } = await cudaFineTune({ ...input, train: { ...input.train, max_steps: 3, batch_size: 4, grad_accum: 1, learning_rate: 1e-2 }, examples }, { gpus: 1, log: (l) => console.log(l), python: PYTHON! });
  return adapterDir;
}

describe.skipIf(why !== '')(`CUDA smoke on a tiny Qwen (${why ? `skipped: ${why}` : 'CUDA'})`, () => {
  it('trains 3 QLoRA steps, writes a PEFT adapter wgml loads, and wgml and PyTorch agree on its logits', async () => {
    const tiny = await writeTinyQwen(TINY_QWEN3);
    const error = await logitsError(tiny.dir, await trainTiny(tiny, IDS), IDS);
    console.log(`wgml vs PyTorch logits: relative error ${error.toExponential(3)}`);
    expect(error).toBeLessThan(2e-2);
  });

  it("trains new tokens' rows of a tied model (trainable_token_indices): PEFT's rows, under wgml's names, move, and the logits agree", async () => {
    const tiny = await writeTinyQwen({ ...TINY_QWEN3, tieWordEmbeddings: true, seed: 11 });
    const rows = [298, 299];
    const ids = [5, 298, 42, 299, 123, 298, 64, 299];
    const adapterDir = await trainTiny(tiny, ids, { indices: rows, tied: true });
    const { tensors } = await readPeftAdapter(adapterDir);
    expect([...tensors.keys()].filter((n) => n.includes('token_adapter'))).toEqual([EMBED_ROWS_NAME]);
    const C = TINY_QWEN3.hiddenSize;
    const base = tiny.weights.get('model.embed_tokens.weight')!;
    expect(relError(tensors.get(EMBED_ROWS_NAME)!.data, Float32Array.from(rows.flatMap((id) => [...base.subarray(id * C, (id + 1) * C)])))).toBeGreaterThan(1e-4);
    const error = await logitsError(tiny.dir, adapterDir, ids);
    console.log(`wgml vs PyTorch logits with token rows: relative error ${error.toExponential(3)}`);
    expect(error).toBeLessThan(2e-2);
  });
});

describe.skipIf(whyBf16 !== '')(`CUDA smoke on a tiny Qwen's bf16 base (${whyBf16 ? `skipped: ${whyBf16}` : 'CUDA'})`, () => {
  it('trains 3 LoRA steps on the bf16 base (quantization format none), and wgml and PyTorch agree on the adapter\'s logits', async () => {
    const tiny = await writeTinyQwen({ ...TINY_QWEN3, seed: 5 });
    const error = await logitsError(tiny.dir, await trainTiny(tiny, IDS, undefined, 'none'), IDS, false);
    console.log(`wgml vs PyTorch logits on the bf16 base: relative error ${error.toExponential(3)}`);
    expect(error).toBeLessThan(1e-3);
  });
});
