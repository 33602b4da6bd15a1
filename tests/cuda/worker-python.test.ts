// The worker's Python: every file compiles, and its unittest suite passes under the interpreters
// here. The torch parts (collation, the loss, the training loop on a toy model) need a Python with
// torch (skipped by name where none has it); the QLoRA entry point on a GPU is gpu-smoke.test.ts.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKER_DIR, workerEnv } from '../../src/cuda/worker.js';
import { PYTHON, TORCH_PYTHON, TRIED } from './python.js';

const files = ['wgml_cuda', 'tests'].flatMap((d) => readdirSync(join(WORKER_DIR, d)).filter((f) => f.endsWith('.py')).map((f) => join(d, f)));

function unittestReport(interpreter: string): string {
  try {
    execFileSync(interpreter, ['-W', 'ignore::ResourceWarning', '-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v'], { cwd: WORKER_DIR, env: workerEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (error) {
    const e = error as { stderr?: Buffer };
    throw new Error(`unittest failed under ${interpreter}:\n${e.stderr?.toString() ?? String(error)}`);
  }
  return 'ok';
}

describe.skipIf(PYTHON === null)(`the CUDA worker under Python (${PYTHON ?? `none of ${TRIED} is Python 3.10+`})`, () => {
  it('compiles every worker and test file (py_compile)', () => {
    execFileSync(PYTHON!, ['-m', 'py_compile', ...files], { cwd: WORKER_DIR, env: workerEnv(), stdio: 'pipe' });
  });

  it('passes its standard-library tests (spec, order, chunks, metrics, checkpoints)', () => {
    expect(unittestReport(PYTHON!)).toBe('ok');
  });

  it('answers `python -m wgml_cuda env` with a JSON report on any interpreter', () => {
    const report = JSON.parse(execFileSync(PYTHON!, ['-m', 'wgml_cuda', 'env'], { cwd: WORKER_DIR, env: workerEnv(), encoding: 'utf8' })) as { packages: Record<string, string | null> };
    expect(Object.keys(report.packages)).toEqual(['torch', 'transformers', 'peft', 'bitsandbytes', 'accelerate', 'safetensors', 'vllm']);
  });
});

describe.skipIf(TORCH_PYTHON === null)(`the worker's torch parts (${TORCH_PYTHON ?? `skipped: none of ${TRIED} has torch; apt-get install python3-torch`})`, () => {
  it('passes collation, loss and training-loop tests (micro-batch split, resume, schedule) with torch', () => {
    expect(unittestReport(TORCH_PYTHON!)).toBe('ok');
  });
});
