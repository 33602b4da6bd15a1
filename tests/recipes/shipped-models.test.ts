import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/nn/model.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();
const ROOT = join(import.meta.dirname, '..', '..');

describe.each(['qwen3-tiny', 'qwen3-tiny-b'])('the shipped model %s', (name) => {
  const dir = join(ROOT, 'models', name);

  it('loads with the shipped tokenizer and generates', async () => {
    const model = await loadModel(dir, { device });
    expect(model.tokenizer.vocabSize).toBe(2048);
    const text = await model.generate(model.chatPrompt([{ role: 'user', content: 'Tom has 3 apples and buys 4 more. How many apples does Tom have now?' }]), { maxNewTokens: 24 });
    expect(text.length).toBeGreaterThan(0);
    model.dispose();
  });

  it('has a model card with its size, data, training, loss, accuracy and the command that makes it', async () => {
    const card = await readFile(join(dir, 'README.md'), 'utf8');
    for (const field of ['parameters', 'training data', 'training', 'loss', 'GSM8K-style test accuracy', 'npm run make:models']) expect(card).toContain(field);
  });
});
