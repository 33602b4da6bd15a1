// `wgml merge` (PEFT's merge_and_unload + save_pretrained): the merged directory loads as a plain
// model with the logits of the base with the adapter on; --out must be new.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model.js';
import { writeRandomAdapter } from '../helpers/adapters.js';
import { relError, testDevice } from '../helpers/gpu.js';

const exec = promisify(execFile);
const TINY = 'models/qwen3-tiny';
const IDS = [5, 17, 42, 99, 123, 7];
const device = await testDevice();

const wgml = (args: string[]) =>
  exec(process.execPath, ['dist/src/cli/wgml.js', ...args], { maxBuffer: 16 << 20, timeout: 120_000 }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

async function logitsOf(dir: string, adapter?: string): Promise<Float32Array> {
  const model = await loadModel(dir, { device, ...(adapter ? { adapter } : {}) });
  const out = await model.logits(IDS);
  model.dispose();
  return out;
}

describe('wgml merge', () => {
  const adapter = (async () => {
    const base = await loadModel(TINY, { device });
    const dir = await writeRandomAdapter(base, 21, { r: 4, alpha: 16 });
    base.dispose();
    return dir;
  })();

  it('writes a model whose logits are the base with the adapter on: f32 to rounding, bf16 to bf16 rounding', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'wgml-merge-')), 'merged');
    const run = await wgml(['merge', '--model', TINY, '--adapter', await adapter, '--out', out, '--dtype', 'f32']);
    expect(run.code, run.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']));
    const merged = await logitsOf(out);
    const reference = await logitsOf(TINY, await adapter);
    const error = relError(merged, reference);
    console.log(`merged vs base + adapter logits: relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-5);
    expect(relError(await logitsOf(TINY), reference)).toBeGreaterThan(1e-3);
    const bf16 = join(out, '..', 'merged-bf16');
    expect((await wgml(['merge', '--model', TINY, '--adapter', await adapter, '--out', bf16])).code).toBe(0);
    const rounded = relError(await logitsOf(bf16), reference);
    console.log(`bf16 merge: relative error ${rounded.toExponential(2)}`);
    expect(rounded).toBeLessThan(2e-2);
  });

  it('refuses an --out that has files, before loading anything, and leaves it as it was', async () => {
    const out = await mkdtemp(join(tmpdir(), 'wgml-merge-'));
    await writeFile(join(out, 'keep.txt'), 'mine');
    const run = await wgml(['merge', '--model', TINY, '--adapter', await adapter, '--out', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--out .* already exists and is not empty/);
    expect(await readdir(out)).toEqual(['keep.txt']);
  });

  it('names a missing flag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-merge-'));
    await mkdir(join(dir, 'x'));
    const run = await wgml(['merge', '--model', TINY, '--out', join(dir, 'x')]);
    expect([run.code, /adapter/.test(run.stderr)]).toEqual([1, true]);
    expect(existsSync(join(dir, 'x', 'model.safetensors'))).toBe(false);
  });
});
