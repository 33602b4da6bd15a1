// The CUDA smoke split over two machines, for a GPU machine with the worker's packages but no Node
// (the device tool's): here, WGML_CUDA_SMOKE_DIR=DIR prepares a tiny random Qwen, its pre-tokenized
// examples and one train spec per base format (paths relative to the worker, so DIR can travel);
// there, `sh tests/cuda/device-smoke.sh DIR OUT` trains each and writes OUT/<format>/ (the adapter
// and PyTorch's logits) and OUT/smoke.log; back here, WGML_CUDA_SMOKE_RESULT=OUT beside the same
// WGML_CUDA_SMOKE_DIR loads each adapter in wgml and compares its logits with PyTorch's. Skipped
// unless those variables are set: without them there is nothing to prepare or compare; the device
// script itself is checked here with a stand-in python3.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cudaFineTune } from '../../src/cuda/steps.js';
import { WORKER_DIR, workerEnv } from '../../src/cuda/worker.js';
import { writeRandomQwen } from '../../src/io/random-model.js';
import { TINY_QWEN3 } from '../helpers/tiny-qwen.js';
import { PYTHON } from './python.js';
import { LOGITS_BOUND, logitsError, SMOKE_IDS, type SmokeFormat, smokeTrainInput } from './smoke.js';

const DIR = process.env.WGML_CUDA_SMOKE_DIR ? resolve(process.env.WGML_CUDA_SMOKE_DIR) : undefined;
const RESULT = process.env.WGML_CUDA_SMOKE_RESULT ? resolve(process.env.WGML_CUDA_SMOKE_RESULT) : undefined;
const FORMATS: readonly SmokeFormat[] = ['none', 'nf4'];
const SCRIPT = new URL('./device-smoke.sh', import.meta.url).pathname;
const specOf = (dir: string, format: SmokeFormat) => join(dir, `run-${format}`, 'cuda', 'train.json');

/** Writes into `dir` the tiny Qwen, the ids and, per base format, the examples and a train spec whose paths start at the worker's directory. */
async function prepareSmoke(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'model'), { recursive: true });
  await writeRandomQwen(join(dir, 'model'), { ...TINY_QWEN3, seed: 5 });
  await writeFile(join(dir, 'ids.txt'), `${SMOKE_IDS.join(',')}\n`);
  const rel = relative(WORKER_DIR, dir);
  for (const format of FORMATS) {
    const input = smokeTrainInput(join(rel, 'model'), join(rel, `run-${format}`), SMOKE_IDS, format);
    await cudaFineTune(input, { gpus: 1, dryRun: true, log: () => undefined, python: PYTHON ?? 'python3', relocate: (p) => resolve(WORKER_DIR, p) });
  }
}

describe.skipIf(!DIR || RESULT !== undefined)(`preparing a GPU machine's smoke run (${DIR ?? 'skipped: set WGML_CUDA_SMOKE_DIR=DIR'})`, () => {
  it('writes the tiny Qwen, the ids and a train spec per base format that the worker accepts', async () => {
    await prepareSmoke(DIR!);
    for (const format of FORMATS) {
      expect(existsSync(join(DIR!, `run-${format}`, 'cuda', 'train.jsonl')), format).toBe(true);
      if (PYTHON) expect(execFileSync(PYTHON, ['-m', 'wgml_cuda', 'check', specOf(DIR!, format)], { cwd: WORKER_DIR, env: workerEnv(), encoding: 'utf8' })).toContain('a valid train spec');
    }
  });
});

/** A python3 that trains a spec with no quantization (an adapter of two stand-in files) and refuses nf4 as a machine without bitsandbytes does. */
const STAND_IN = `#!/bin/sh
case "$3" in
  env) echo '{"stand_in": true}' ;;
  train) if grep -q '"quantization": null' "$4"; then a=$(dirname "$(dirname "$4")")/adapter; mkdir -p "$a"; echo '{}' > "$a/adapter_config.json"; echo w > "$a/adapter_model.safetensors"; echo "[cuda train] 3 steps"; else echo "wgml_cuda: MissingPackageError: missing Python packages: bitsandbytes" >&2; exit 3; fi ;;
  logits) echo "[$7]" ;;
esac
`;

describe('the device half, device-smoke.sh (a stand-in python3)', () => {
  it("writes each format's adapter and PyTorch's logits under OUT/<format>/, and in smoke.log why a format did not run", async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-device-smoke-'));
    await prepareSmoke(join(root, 'smoke'));
    await mkdir(join(root, 'bin'));
    await writeFile(join(root, 'bin', 'python3'), STAND_IN, { mode: 0o755 });
    const printed = execFileSync('sh', [SCRIPT, join(root, 'smoke'), join(root, 'out')], { env: { ...process.env, PATH: `${join(root, 'bin')}:${process.env.PATH}` }, encoding: 'utf8' });
    expect((await readdir(join(root, 'out'))).sort()).toEqual(['none', 'smoke.log']);
    expect((await readdir(join(root, 'out', 'none'))).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'logits.json']);
    expect(await readFile(join(root, 'out', 'none', 'logits.json'), 'utf8')).toBe(`[${SMOKE_IDS.join(',')}]\n`);
    expect(printed).toMatch(/== nf4\nwgml_cuda: MissingPackageError: missing Python packages: bitsandbytes\n== nf4: did not run/);
    expect(await readFile(join(root, 'out', 'smoke.log'), 'utf8')).toBe(printed);
  });
});

describe.skipIf(!DIR || !RESULT)(`comparing a GPU machine's smoke run (${RESULT ?? 'skipped: set WGML_CUDA_SMOKE_RESULT=OUT and WGML_CUDA_SMOKE_DIR=DIR'})`, () => {
  for (const format of FORMATS) {
    const adapter = join(RESULT ?? '', format);
    it.skipIf(!existsSync(join(adapter, 'logits.json')))(`wgml, with the adapter the worker trained on the ${format} base, agrees with PyTorch's logits`, async () => {
      const theirs = JSON.parse(await readFile(join(adapter, 'logits.json'), 'utf8')) as number[];
      const error = await logitsError(join(DIR!, 'model'), adapter, SMOKE_IDS, format, theirs);
      console.log(`${format} base: wgml vs PyTorch logits, relative error ${error.toExponential(3)} (bound ${LOGITS_BOUND[format]})`);
      expect(error).toBeLessThan(LOGITS_BOUND[format]);
    });
  }
});
