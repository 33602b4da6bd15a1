import { mkdtemp, readFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byteLevelTokenizer } from '../../src/io/byte-tokenizer.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { loadModel } from '../../src/nn/model.js';
import { writeFile } from 'node:fs/promises';
import { chatDocument, pretrain, TinyModelSchema, writeModelCard } from '../../recipes/models/pretrain.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();

describe('tiny model pre-training', () => {
  it('trains a base model from scratch that loads, generates and carries a model card', async () => {
    const files = byteLevelTokenizer();
    const tokDir = await mkdtemp(join(tmpdir(), 'wgml-tok-'));
    await writeFile(join(tokDir, 'tokenizer.json'), JSON.stringify(files.tokenizerJson));
    await writeFile(join(tokDir, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig));
    const tokenizer = await loadTokenizer(tokDir);
    const docs = [1, 2, 3, 4].map((n) => chatDocument(tokenizer, [{ role: 'user', content: `${n}+${n}?` }, { role: 'assistant', content: `#### ${2 * n}` }], 64));
    const spec = TinyModelSchema.parse({ name: 'qwen3-test', hiddenSize: 32, intermediateSize: 64, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 16, steps: 12, batchSize: 4, lr: 1e-2 });
    const out = join(await mkdtemp(join(tmpdir(), 'wgml-pre-')), 'model');
    await mkdir(out);
    const result = await pretrain(device, spec, files, 272, docs, out);
    expect(result.finalLoss).toBeLessThan(result.firstLoss);
    await writeModelCard(result, spec, { data: 'four sums', command: 'npm run make:models' });
    expect(await readFile(join(out, 'README.md'), 'utf8')).toMatch(/parameters \| [\d,]+/);
    const model = await loadModel(out, { device });
    expect(typeof (await model.generate(model.chatPrompt([{ role: 'user', content: '2+2?' }]), { maxNewTokens: 4 }))).toBe('string');
    model.dispose();
  });
});
