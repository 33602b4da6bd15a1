// The spec between the launcher and the worker: what the launcher writes parses back to itself, the
// worker accepts it (`python -m wgml_cuda check`), and an unknown field is refused on both sides with
// one line naming it.
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSpec, trainSpec } from '../../src/cuda/plan.js';
import { CudaSpecSchema } from '../../src/cuda/spec.js';
import { WORKER_DIR, workerEnv } from '../../src/cuda/worker.js';
import { ConfigError } from '../../src/errors.js';
import { generateInput, trainInput } from './fixtures.js';
import { PYTHON, TRIED } from './python.js';

const check = (file: string) => execFileSync(PYTHON!, ['-m', 'wgml_cuda', 'check', file], { cwd: WORKER_DIR, env: workerEnv(), encoding: 'utf8', stdio: 'pipe' });

describe('CUDA spec', () => {
  it('a train spec survives JSON and the schema unchanged', () => {
    const spec = trainSpec(trainInput('/w'));
    expect(CudaSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('a generate spec survives JSON and the schema unchanged', () => {
    const spec = generateSpec(generateInput('/w'));
    expect(CudaSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('resolves steps, warmup and the final save as the WebGPU trainer does', () => {
    const t = trainSpec(trainInput('/w')).train;
    // ceil(1 × 7473 / (8 × 2)) = 468 steps; warmup ceil(0.03 × 468) = 15; saved at the end only.
    expect([t.max_steps, t.warmup_steps, t.save_every, t.keep_last]).toEqual([468, 15, 468, 2]);
  });

  it('refuses q4 and non-64 blocks, which bitsandbytes cannot make', () => {
    expect(() => trainSpec(trainInput('/w', { quantization: { format: 'q4', double_quant: false, block_size: 64 } }))).toThrow(ConfigError);
    expect(() => trainSpec(trainInput('/w', { quantization: { format: 'nf4', double_quant: true, block_size: 32 } }))).toThrow(/blocks of 64/);
  });

  it('quantization format none trains plain LoRA on the bf16 base (quantization null), through JSON and the schema', () => {
    const spec = trainSpec(trainInput('/w', { quantization: { format: 'none', double_quant: true, block_size: 32 } }));
    expect(spec.quantization).toBeNull();
    expect(CudaSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('a train spec without new tokens trains no token rows (lora.trainable_tokens null)', () => {
    expect(trainSpec(trainInput('/w')).lora.trainable_tokens).toBeNull();
  });

  it("a special-tokens train spec carries the new tokens' rows and the tie through JSON and the schema", () => {
    const spec = trainSpec(trainInput('/w', { trainableTokens: { indices: [151669, 151670], tied: true } }));
    expect(spec.lora.trainable_tokens).toEqual({ indices: [151669, 151670], tied: true });
    expect(CudaSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('refuses token rows that are empty or repeat an id, on both the plan and the schema', () => {
    expect(() => trainSpec(trainInput('/w', { trainableTokens: { indices: [], tied: true } }))).toThrow(ConfigError);
    expect(() => trainSpec(trainInput('/w', { trainableTokens: { indices: [7, 7], tied: false } }))).toThrow(/each once/);
    const spec = trainSpec(trainInput('/w', { trainableTokens: { indices: [7], tied: false } }));
    expect(CudaSpecSchema.safeParse({ ...spec, lora: { ...spec.lora, trainable_tokens: { indices: [7, 7], tied: false } } }).success).toBe(false);
  });

  it('an unknown field is refused by the schema', () => {
    const spec = { ...trainSpec(trainInput('/w')), extra: 1 };
    expect(CudaSpecSchema.safeParse(spec).success).toBe(false);
  });
});

describe.skipIf(PYTHON === null)(`CUDA spec in the worker (${PYTHON ?? `skipped: none of ${TRIED} is Python 3.10+`})`, () => {
  it('the worker accepts the specs the launcher writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-spec-'));
    for (const [name, spec] of [['train', trainSpec(trainInput(dir))], ['generate', generateSpec(generateInput(dir, { adapter: { name: 'math', path: `${dir}/adapter`, rank: 16 } }))]] as const) {
      await writeFile(join(dir, `${name}.json`), JSON.stringify(spec));
      expect(check(join(dir, `${name}.json`))).toContain(`a valid ${name} spec`);
    }
  });

  it('the worker accepts a bf16-base spec and loads it without bitsandbytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-spec-'));
    await writeFile(join(dir, 'train.json'), JSON.stringify(trainSpec(trainInput(dir, { quantization: { format: 'none', double_quant: false, block_size: 64 } }))));
    const calls = check(join(dir, 'train.json'));
    expect(calls).toContain("AutoModelForCausalLM.from_pretrained(dtype='bfloat16')");
    expect(calls).not.toContain('BitsAndBytesConfig');
  });

  it("the worker accepts a special-tokens spec and names the rows in PEFT's LoraConfig", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-spec-'));
    await writeFile(join(dir, 'train.json'), JSON.stringify(trainSpec(trainInput(dir, { trainableTokens: { indices: [151669, 151670], tied: false } }))));
    expect(check(join(dir, 'train.json'))).toContain("trainable_token_indices={'embed_tokens': [151669, 151670], 'lm_head': [151669, 151670]})");
  });

  it('the worker refuses an unknown field in one line naming it, exit status 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-spec-'));
    const spec = trainSpec(trainInput(dir));
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ ...spec, train: { ...spec.train, lr_typo: 1 } }));
    let failure: { status?: number; stderr?: string } = {};
    try {
      check(join(dir, 'bad.json'));
    } catch (error) {
      failure = error as typeof failure;
    }
    expect(failure.status).toBe(2);
    expect(failure.stderr!.trim().split('\n')).toHaveLength(1);
    expect(failure.stderr).toMatch(/SpecError: .*unknown field 'train\.lr_typo'/);
  });
});
