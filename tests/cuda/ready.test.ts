// assertCudaReady: the check `recipe --backend cuda` makes before writing anything, narrowed to what
// the task imports. A stand-in interpreter answers `-m wgml_cuda env` with a fixed report, so each
// machine state is tried without the real stack.
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertCudaReady } from '../../src/cuda/ready.js';

const ALL = { torch: '2.5.1', transformers: '4.46.0', peft: '0.13.2', bitsandbytes: '0.44.1', accelerate: '1.1.0', safetensors: '0.4.5', vllm: '0.6.4' };
const H100 = { name: 'NVIDIA H100', memory_bytes: 80 * 2 ** 30 };

/** An executable that prints this env report whatever it is asked. */
async function fakePython(packages: Record<string, string | null>, devices: object[], available = devices.length > 0): Promise<string> {
  const report = { worker: '0.1.0', python: '3.11.7', executable: '/opt/py/bin/python3', packages, cuda: { available, build: '12.4', devices }, install: '/opt/py/bin/python3 -m pip install -r requirements.txt' };
  const path = join(await mkdtemp(join(tmpdir(), 'wgml-fake-python-')), 'python3');
  await writeFile(path, `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(report)}\nEOF\n`);
  await chmod(path, 0o755);
  return path;
}

describe('assertCudaReady', () => {
  it('passes training on a machine with the training packages and a GPU, vLLM or not', async () => {
    await expect(assertCudaReady(['train'], 1, { python: await fakePython({ ...ALL, vllm: null }, [H100]) })).resolves.toBeUndefined();
  });

  it('refuses generation without vLLM, naming it and the pip command', async () => {
    const python = await fakePython({ ...ALL, vllm: null }, [H100]);
    await expect(assertCudaReady(['generate'], 1, { python })).rejects.toThrow(/^--backend cuda: vllm: missing \(needed for generation\); fix: \/opt\/py\/bin\/python3 -m pip install -r requirements\.txt/);
  });

  it('refuses training without bitsandbytes but passes generation', async () => {
    const python = await fakePython({ ...ALL, bitsandbytes: null }, [H100]);
    await expect(assertCudaReady(['train'], 1, { python })).rejects.toThrow(/bitsandbytes: missing/);
    await expect(assertCudaReady(['generate'], 1, { python })).resolves.toBeUndefined();
  });

  it('passes training on a bf16 base (quantization format none) without bitsandbytes', async () => {
    await expect(assertCudaReady(['train'], 1, { python: await fakePython({ ...ALL, bitsandbytes: null }, [H100]), quantized: false })).resolves.toBeUndefined();
  });

  it('refuses a machine where torch sees no CUDA device', async () => {
    await expect(assertCudaReady(['train'], 1, { python: await fakePython(ALL, []) })).rejects.toThrow(/^--backend cuda: cuda: torch built for CUDA 12\.4; no device visible; fix: no NVIDIA GPU is visible/);
  });

  it('refuses more GPUs than are visible', async () => {
    await expect(assertCudaReady(['train'], 8, { python: await fakePython(ALL, [H100, H100]) })).rejects.toThrow('--backend cuda: --gpus 8 but 2 GPUs are visible');
  });
});
