// special-tokens train --backend cuda --dry-run: the spec trains LoRA plus the new tokens' rows
// (lora.trainable_tokens, PEFT's trainable_token_indices) on the enlarged model the tokens step
// wrote, from wgml-tokenized examples, and prints the worker's commands for 1 and 8 GPUs; the run
// directory is left as it was.
import { readdir, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKER_DIR } from '../../../src/cuda/worker.js';
import { loadTokenizer } from '../../../src/io/tokenizer.js';
import { loadConfig, presetFile, runRecipe } from '../../../recipes/index.js';
import { specialTokens } from '../../../recipes/special-tokens/recipe.js';
import type { SpecialTokensConfig } from '../../../recipes/special-tokens/config.js';
import { printedCommands, printedSpecs } from '../../cli/recipe-cli.js';
import { PYTHON } from '../../cuda/python.js';

const PY = PYTHON ?? 'python3';
const record = (id: string, mode: 'agent' | 'edit', token: string) => ({ id, source_id: id.split(':')[0], mode, instruction: 'Find and fix the bug in this Python function.', input: '```python\ndef f(x):\n    return x - 1\n```', output: `<think>\nlook\n</think>\n${token} fix it` });

let config: SpecialTokensConfig;
let runDir: string;

beforeAll(async () => {
  const out = await mkdtemp(join(tmpdir(), 'wgml-st-cuda-'));
  config = await loadConfig(specialTokens.schema, { files: [presetFile('special-tokens', 'default')], sets: [`output_dir=${out}`, 'run_name=c'] });
  // The tokens step (files only), then validated records as the validate step leaves them.
  runDir = (await runRecipe(specialTokens, config, { step: 'tokens', log: () => undefined })).dir;
  const rows = [record('p1:agent', 'agent', '<|AGENT|>'), record('p1:edit', 'edit', '<|EDIT|>'), record('p2:agent', 'agent', '<|AGENT|>')];
  await writeFile(join(runDir, 'valid.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
});

async function dryRun(gpus: number) {
  const lines: string[] = [];
  const before = await readdir(runDir);
  await runRecipe(specialTokens, config, { step: 'train', log: (l) => lines.push(l), backend: { name: 'cuda', gpus, dryRun: true, python: PY } });
  const stdout = lines.join('\n');
  const specPath = join(runDir, 'cuda', 'train.json');
  return { stdout, specPath, spec: printedSpecs(stdout).get(specPath) as { model: string; data: { train: string }; adapter_dir: string; gpus: number; launcher: string; lora: { trainable_tokens: { indices: number[]; tied: boolean } | null }; train: { per_device_batch_size: number } }, before, after: await readdir(runDir) };
}

describe('special-tokens train --backend cuda --dry-run', () => {
  it('trains the new tokens\' rows of the enlarged model: their ids, tied as the model is', async () => {
    const { spec } = await dryRun(1);
    const tokenizer = await loadTokenizer(join(runDir, 'model'));
    expect(spec.model).toBe(join(runDir, 'model'));
    // The shipped tiny model ties lm_head to embed_tokens, so PEFT ties the head's rows to the embedding's.
    expect(spec.lora.trainable_tokens).toEqual({ indices: ['<|AGENT|>', '<|EDIT|>'].map((t) => tokenizer.tokenToId(t)), tied: true });
  });

  it('on 1 GPU prints one python process over the spec, the examples and adapter under the run', async () => {
    const { stdout, spec, specPath } = await dryRun(1);
    expect(printedCommands(stdout)).toEqual([`PYTHONPATH=${WORKER_DIR} ${PY} -m wgml_cuda train ${specPath}`]);
    expect([spec.data.train, spec.adapter_dir, spec.launcher]).toEqual([join(runDir, 'cuda', 'train.jsonl'), join(runDir, 'adapter'), 'python']);
    expect(stdout).toMatch(/\[train\] 3 examples, new token rows \d+, \d+ trainable/);
  });

  it('on 8 GPUs prints torchrun with 8 processes, a step of 2 split into rows of 1', async () => {
    const { stdout, spec, specPath } = await dryRun(8);
    expect(printedCommands(stdout)).toEqual([`PYTHONPATH=${WORKER_DIR} torchrun --standalone --nproc_per_node=8 -m wgml_cuda train ${specPath}`]);
    expect([spec.gpus, spec.launcher, spec.train.per_device_batch_size]).toEqual([8, 'torchrun', 1]);
  });

  it.skipIf(PYTHON === null)("prints PEFT's LoraConfig with the rows as the worker builds it (needs Python 3.10+)", async () => {
    const { stdout, spec } = await dryRun(1);
    expect(stdout).toContain(`task_type='CAUSAL_LM', trainable_token_indices=[${spec.lora.trainable_tokens!.indices.join(', ')}])`);
  });

  it('writes nothing into the run directory', async () => {
    const { before, after } = await dryRun(1);
    expect(after).toEqual(before);
  });

  it('without the steps before it, names what is missing and the steps that make it', async () => {
    const c = await loadConfig(specialTokens.schema, { files: [presetFile('special-tokens', 'default')], sets: [`output_dir=${await mkdtemp(join(tmpdir(), 'wgml-st-cuda-'))}`, 'run_name=e'] });
    await expect(runRecipe(specialTokens, c, { backend: { name: 'cuda', gpus: 1, dryRun: true, python: PY }, log: () => undefined })).rejects.toThrow(/no model or valid\.jsonl; run the tokens, data and validate steps first/);
  });
});
