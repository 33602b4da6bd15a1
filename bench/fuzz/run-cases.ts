// Runs fuzz cases against wgml's readers (dataset files in JSON, Parquet and Arrow: dataset-cases.ts)
// and sorts each into an outcome. Every mutated input
// must end in a typed wgml error whose message names the file, or load what the reference
// loads; a load that fails must leave the device's pool live bytes where they were.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/cpu/random.js';
import { WgmlError } from '../../src/errors.js';
import type { Device } from '../../src/gpu/device.js';
import { readTextRecords } from '../../src/io/dataset.js';
import { openSafetensors } from '../../src/io/safetensors.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { loadModel } from '../../src/model/model.js';
import { datasetFormatCase } from './dataset-cases.js';
import { type Expectation, safetensorsMutant } from './safetensors-cases.js';

export const TARGETS = ['safetensors', 'config', 'adapter_config', 'tokenizer_config', 'dataset', 'dataset_json', 'dataset_parquet', 'dataset_arrow'] as const;
export type Target = (typeof TARGETS)[number];
/** loaded-different: accepted, but not as the rows the reference reads. */
export type Outcome = 'loaded' | 'rejected' | 'accepted-invalid' | 'loaded-different' | 'rejected-valid' | 'untyped-error' | 'leaked';

/** Outcomes that are bugs: the suite expects none of them. */
export const FAILURES: readonly Outcome[] = ['accepted-invalid', 'loaded-different', 'rejected-valid', 'untyped-error', 'leaked'];

export interface FuzzWorld {
  readonly device: Device;
  readonly scratch: string;
  /** A tiny model (tokenizer included) and a LoRA adapter made for it. */
  readonly modelDir: string;
  readonly adapterDir: string;
}

/** `shippedModel`: a small model directory (weights, config, tokenizer) that the cases copy and mutate. */
export async function makeWorld(device: Device, shippedModel: string): Promise<FuzzWorld> {
  const scratch = await mkdtemp(join(tmpdir(), 'wgml-fuzz-'));
  const modelDir = join(scratch, 'model');
  await cp(shippedModel, modelDir, { recursive: true });
  const model = await loadModel(modelDir, { device });
  model.addLora({ r: 2, targetModules: ['q_proj', 'v_proj'] });
  const adapterDir = join(scratch, 'adapter');
  await model.saveAdapter(adapterDir);
  model.dispose();
  return { device, scratch, modelDir, adapterDir };
}

/** Classifies an attempt: `run` loads; `where` must appear in a rejection's message. */
async function classify(expect: Expectation, where: string, device: Device | undefined, run: () => Promise<void>): Promise<Outcome> {
  const before = device?.pool.stats.liveBytes ?? 0;
  try {
    await run();
    return expect === 'invalid' ? 'accepted-invalid' : 'loaded';
  } catch (error) {
    if (device && device.pool.stats.liveBytes !== before) return 'leaked';
    if (!(error instanceof WgmlError) || !error.message.includes(where)) return 'untyped-error';
    return expect === 'valid' ? 'rejected-valid' : 'rejected';
  }
}

const WILD_VALUES: readonly unknown[] = [null, 'x', -1, 0, 1.5, 1e9, true, [], {}, [1, 2], 2 ** 53, undefined];

/** A copy of `json` with one field (chosen by `rng`) given a wild value, or removed. */
function mutateJson(rng: Rng, json: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(json);
  const key = keys[rng.int(keys.length)]!;
  const value = WILD_VALUES[rng.int(WILD_VALUES.length)];
  const out = { ...json };
  if (value === undefined) delete out[key];
  else out[key] = value;
  return out;
}

async function withMutatedJson(dir: string, file: string, rng: Rng, scratch: string, run: (dir: string) => Promise<void>): Promise<void> {
  const copy = await mkdtemp(join(scratch, 'case-'));
  try {
    await cp(dir, copy, { recursive: true });
    const json = JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
    await writeFile(join(copy, file), JSON.stringify(mutateJson(rng, json)));
    await run(copy);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

export async function runCase(world: FuzzWorld, target: Target, seed: number, index: number): Promise<{ kind: string; outcome: Outcome }> {
  const rng = new Rng(seed * 7919 + index);
  const { device, scratch, modelDir, adapterDir } = world;
  switch (target) {
    case 'safetensors': {
      const mutant = safetensorsMutant(seed, index);
      const path = join(scratch, `case-${index}.safetensors`);
      await writeFile(path, mutant.bytes);
      const outcome = await classify(mutant.expect, path, undefined, async () => {
        const st = await openSafetensors(path);
        try {
          for (const name of st.names()) await st.read(name);
        } finally {
          await st.close();
        }
      });
      await rm(path, { force: true });
      return { kind: mutant.kind, outcome };
    }
    case 'config':
      return { kind: 'config-field', outcome: await mutatedLoad(rng, scratch, modelDir, 'config.json', (dir) => loadModel(dir, { device }).then((m) => m.dispose()), device) };
    case 'tokenizer_config':
      return { kind: 'tokenizer-config-field', outcome: await mutatedLoad(rng, scratch, modelDir, 'tokenizer_config.json', (dir) => loadTokenizer(dir).then(() => undefined), undefined) };
    case 'adapter_config':
      return { kind: 'adapter-config-field', outcome: await mutatedLoad(rng, scratch, adapterDir, 'adapter_config.json', (dir) => loadModel(modelDir, { device, adapter: dir }).then((m) => m.dispose()), device) };
    case 'dataset':
      return datasetCase(rng, scratch, index);
    case 'dataset_json':
      return datasetFormatCase('json', rng, scratch, index);
    case 'dataset_parquet':
      return datasetFormatCase('parquet', rng, scratch, index);
    case 'dataset_arrow':
      return datasetFormatCase('arrow', rng, scratch, index);
  }
}

async function mutatedLoad(rng: Rng, scratch: string, dir: string, file: string, load: (dir: string) => Promise<void>, device: Device | undefined): Promise<Outcome> {
  let outcome: Outcome = 'loaded';
  await withMutatedJson(dir, file, rng, scratch, async (copy) => {
    outcome = await classify('either', copy, device, () => load(copy));
  });
  return outcome;
}

const GOOD_LINE = JSON.stringify({ question: 'Tom has 3 apples and buys 2. How many?', answer: '3 + 2 = <<3+2=5>>5\n#### 5' });

async function datasetCase(rng: Rng, scratch: string, index: number): Promise<{ kind: string; outcome: Outcome }> {
  const lines = [GOOD_LINE, GOOD_LINE, GOOD_LINE].map((l) => new TextEncoder().encode(l));
  const which = rng.int(lines.length);
  const kinds = ['bit-flip', 'cut', 'invalid-utf8', 'missing-field', 'huge'] as const;
  const kind = kinds[index % kinds.length]!;
  let expect: Expectation = 'invalid';
  if (kind === 'bit-flip') {
    lines[which]![rng.int(lines[which]!.length)] ^= 1 << rng.int(7);
    expect = 'either';
  } else if (kind === 'cut') lines[which] = lines[which]!.subarray(0, 1 + rng.int(lines[which]!.length - 2));
  else if (kind === 'invalid-utf8') lines[which] = new Uint8Array([...lines[which]!.subarray(0, 15), 0xff, ...lines[which]!.subarray(15)]);
  else if (kind === 'missing-field') lines[which] = new TextEncoder().encode(JSON.stringify({ question: 'q' }));
  else lines[which] = new TextEncoder().encode(JSON.stringify({ question: 'x'.repeat(1 << 21), answer: '#### 1' }));
  const path = join(scratch, `case-${index}.jsonl`);
  const newline = new Uint8Array([10]);
  await writeFile(path, Buffer.concat(lines.flatMap((l) => [l, newline])));
  const outcome = await classify(expect, path, undefined, () => readTextRecords(path, ['question', 'answer']).then(() => undefined));
  await rm(path, { force: true });
  return { kind: `dataset-${kind}`, outcome };
}
