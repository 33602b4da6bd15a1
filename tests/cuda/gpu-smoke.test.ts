// The CUDA path end to end, where a machine has it: a tiny random Qwen trained a few QLoRA steps by
// the worker, its PEFT adapter loaded back in wgml, and wgml's logits (nf4 base + adapter) compared
// with PyTorch's (bitsandbytes nf4 base + PeftModel) on the same ids. Without an NVIDIA GPU and the
// worker's packages the test is skipped, and its name says which of them is absent.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cudaFineTune } from '../../src/cuda/steps.js';
import { WORKER_DIR, workerEnv } from '../../src/cuda/worker.js';
import { createDevice } from '../../src/platform/node.js';
import { LORA_TARGETS } from '../../src/io/peft.js';
import { loadModel } from '../../src/model/model.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';
import { PYTHON, python, TRIED } from './python.js';
import { trainInput } from './fixtures.js';

/** Why the CUDA stack cannot run here ('' when it can). */
function absent(): string {
  if (PYTHON === null) return `no Python 3.10+ among ${TRIED}`;
  try {
    const r = JSON.parse(execFileSync(PYTHON, ['-m', 'wgml_cuda', 'env'], { cwd: WORKER_DIR, env: workerEnv(), encoding: 'utf8' })) as { packages: Record<string, string | null>; cuda: { devices: unknown[] } };
    const missing = ['torch', 'transformers', 'peft', 'bitsandbytes', 'accelerate', 'safetensors'].filter((p) => !r.packages[p]);
    if (missing.length) return `missing ${missing.join(', ')}`;
    return r.cuda.devices.length ? '' : 'no CUDA device';
  } catch (error) {
    return `the worker's env report failed (${(error as Error).message.split('\n')[0]})`;
  }
}

const why = absent();
const IDS = [5, 17, 42, 99, 123, 7, 64, 250];

const torchLogits = (modelDir: string, adapter: string, ids: number[]) => `import json, torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, BitsAndBytesConfig
model_dir, adapter, ids = ${JSON.stringify(modelDir)}, ${JSON.stringify(adapter)}, ${JSON.stringify(ids)}
q = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)
base = AutoModelForCausalLM.from_pretrained(model_dir, quantization_config=q, torch_dtype=torch.bfloat16, device_map={"": 0})
model = PeftModel.from_pretrained(base, adapter).eval()
with torch.no_grad():
    print(json.dumps(model(input_ids=torch.tensor([ids], device="cuda:0")).logits[0].float().flatten().tolist()))`;

describe.skipIf(why !== '')(`CUDA smoke on a tiny Qwen (${why ? `skipped: ${why}` : 'CUDA'})`, () => {
  it('trains 3 QLoRA steps, writes a PEFT adapter wgml loads, and wgml and PyTorch agree on its logits', async () => {
    const tiny = await writeTinyQwen(TINY_QWEN3);
    const examples = Array.from({ length: 8 }, (_, i) => {
      const ids = IDS.map((t) => (t + i * 11) % TINY_QWEN3.vocabSize);
      return { input_ids: ids, labels: ids.map((t, k) => (k < 3 ? -100 : t)) };
    });
    const input = trainInput(tiny.dir, { model: tiny.dir, runDir: `${tiny.dir}/run`, padTokenId: 0, lora: { r: 8, alpha: 16, dropout: 0, target_modules: [...LORA_TARGETS] } });
    const { adapterDir } = await cudaFineTune({ ...input, train: { ...input.train, max_steps: 3, batch_size: 4, grad_accum: 1, learning_rate: 1e-2 }, examples }, { gpus: 1, log: (l) => console.log(l), python: PYTHON! });
    const device = await createDevice();
    try {
      const model = await loadModel(tiny.dir, { device, quantize: 'nf4', adapter: adapterDir });
      const ours = await model.logits(IDS);
      const theirs = Float64Array.from(JSON.parse(python(PYTHON!, torchLogits(tiny.dir, adapterDir, IDS))) as number[]);
      let diff = 0;
      let norm = 0;
      ours.forEach((v, i) => ((diff += (v - theirs[i]!) ** 2), (norm += theirs[i]! ** 2)));
      console.log(`wgml vs PyTorch logits: relative error ${Math.sqrt(diff / norm).toExponential(3)}`);
      expect(Math.sqrt(diff / norm)).toBeLessThan(2e-2);
      model.dispose();
    } finally {
      device.destroy();
    }
  });
});
