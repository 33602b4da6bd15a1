// A load that fails gives the caller's device back every byte it took: pool live bytes
// after the failure equal those before it.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WgmlError } from '../../src/errors.js';
import { writeRandomQwen } from '../../src/io/random-model.js';
import { loadModel } from '../../src/model/model.js';
import { testDevice } from '../helpers/gpu.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';

const device = await testDevice();
const live = (): number => device.pool.stats.liveBytes;

async function expectNoLeak(load: () => Promise<unknown>): Promise<void> {
  const before = live();
  await expect(load()).rejects.toBeInstanceOf(WgmlError);
  expect(live()).toBe(before);
}

/** A model whose config asks for one more layer than the checkpoint stores. */
async function modelMissingLastLayer(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-leak-'));
  await writeRandomQwen(dir, { ...TINY_QWEN3, numLayers: 2 });
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 3 }));
  return dir;
}

/** An adapter saved by a rank-4 LoRA, then given a config that claims rank 8. */
async function adapterOfWrongRank(baseDir: string): Promise<string> {
  const model = await loadModel(baseDir, { device });
  model.addLora({ r: 4 });
  const dir = await mkdtemp(join(tmpdir(), 'wgml-adapter-'));
  await model.saveAdapter(dir);
  model.dispose();
  const config = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'));
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ ...config, r: 8 }));
  return dir;
}

describe('a failed loadModel frees all GPU memory it took', () => {
  it('when a tensor of the last layer is missing', async () => {
    const dir = await modelMissingLastLayer();
    await expectNoLeak(() => loadModel(dir, { device }));
  });

  it('when a tensor of the last layer is missing and weights are quantized to nf4', async () => {
    const dir = await modelMissingLastLayer();
    await expectNoLeak(() => loadModel(dir, { device, quantize: 'nf4' }));
  });

  it('when the adapter does not fit the base model', async () => {
    const tiny = await writeTinyQwen(TINY_QWEN3);
    const adapter = await adapterOfWrongRank(tiny.dir);
    await expectNoLeak(() => loadModel(tiny.dir, { device, adapter }));
  });

  it('when the adapter directory has no adapter_config.json', async () => {
    const tiny = await writeTinyQwen(TINY_QWEN3);
    const empty = await mkdtemp(join(tmpdir(), 'wgml-no-adapter-'));
    await expectNoLeak(() => loadModel(tiny.dir, { device, adapter: empty }));
  });

  it('and repeated failures leak nothing either (20 loads)', async () => {
    const dir = await modelMissingLastLayer();
    const before = live();
    for (let i = 0; i < 20; i++) await loadModel(dir, { device }).catch(() => undefined);
    expect(live()).toBe(before);
  });
});

describe('config.json against the stored layers', () => {
  it('num_hidden_layers below the layers the checkpoint stores is refused, naming both counts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-fewer-'));
    await writeRandomQwen(dir, { ...TINY_QWEN3, numLayers: 2 });
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 1 }));
    await expect(loadModel(dir, { device })).rejects.toThrow(/stores 2 layers .* num_hidden_layers is 1/);
    await expectNoLeak(() => loadModel(dir, { device }));
  });
});

describe('a model directory without tokenizer files', () => {
  it('loads (the weights need none, as with HF AutoModel): ids work, text is a ConfigError naming tokenizer.json', async () => {
    const { rm } = await import('node:fs/promises');
    const tiny = await writeTinyQwen(TINY_QWEN3);
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) await rm(join(tiny.dir, f), { force: true });
    const model = await loadModel(tiny.dir, { device });
    expect((await model.logits([1, 2, 3])).length).toBe(3 * tiny.config.vocabSize);
    expect(() => model.tokenizer.encode('hi')).toThrow(/tokenizer\.json: missing; .*only token ids work/);
    model.dispose();
  });
});
