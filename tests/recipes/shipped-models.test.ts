import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFormatConfigSchema } from '../../recipes/json-format/config.js';
import { generateSplits } from '../../recipes/json-format/data.js';
import { gradeFormat } from '../../recipes/json-format/metrics.js';
import { openSafetensors } from '../../src/io/safetensors.js';
import { loadModel } from '../../src/model/model.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();
const ROOT = join(import.meta.dirname, '..', '..');

// The greedy replies of the shipped weights, pinned: remaking a model (npm run make:models) changes them,
// and then this table is updated with the new card.
const GREEDY: Record<string, string> = {
  'qwen3-tiny': 'Kenji has 2*3 = <<2*3=14>>14 apples.\nThe answer is ',
  'qwen3-tiny-b': 'assistant\nassassassassassassassassassassassassassassassassassass',
};
// The json-format base's greedy reply to the recipe's first eval prompt: the chatty style it was made with.
const JSON_GREEDY = 'Sure! Here is the JSON:\n```json\n{"title":"Jazz Evening","attendees":19,"city":"Lisbon","online":true}\n```';

/** A row `| key | value |` of the card's table. */
function cardRow(card: string, key: string): string {
  const row = card.split('\n').find((l) => l.startsWith(`| ${key} |`));
  expect(row, `card row '${key}'`).toBeDefined();
  return row!.slice(key.length + 4).replace(/\s*\|\s*$/, '').trim();
}

describe.each(['qwen3-tiny', 'qwen3-tiny-b'])('the shipped model %s', (name) => {
  const dir = join(ROOT, 'models', name);

  it('loads with the shipped tokenizer and gives its pinned greedy reply', async () => {
    const model = await loadModel(dir, { device });
    expect(model.tokenizer.vocabSize).toBe(2048);
    const prompt = model.chatPrompt([{ role: 'user', content: 'Tom has 3 apples and buys 4 more. How many apples does Tom have now?' }]);
    expect(await model.generate(prompt, { maxNewTokens: 24, temperature: 0 })).toBe(GREEDY[name]);
    model.dispose();
  });

  it('has a model card whose parameter count and architecture are the checkpoint’s', async () => {
    const card = await readFile(join(dir, 'README.md'), 'utf8');
    const reader = await openSafetensors(dir);
    const params = reader.names().reduce((n, k) => n + reader.info(k).shape.reduce((a, b) => a * b, 1), 0);
    await reader.close();
    expect(cardRow(card, 'parameters')).toBe(params.toLocaleString('en-US'));
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, number>;
    const arch = cardRow(card, 'architecture');
    expect(arch).toContain(`${config.num_hidden_layers} layers, hidden ${config.hidden_size}, MLP ${config.intermediate_size}, ${config.num_attention_heads} heads / ${config.num_key_value_heads} KV heads × ${config.head_dim}`);
  });

  it('has a model card with its data, training, loss, accuracy and the command that makes it', async () => {
    const card = await readFile(join(dir, 'README.md'), 'utf8');
    for (const field of ['training data', 'training', 'loss', 'GSM8K-style test accuracy']) cardRow(card, field);
    const [first, last] = cardRow(card, 'loss').split(' → ').map(Number);
    expect(last, 'final loss below the first').toBeLessThan(first!);
    expect(card).toContain('npm run make:models');
  });
});

describe('the shipped json-format base qwen3-tiny-json', () => {
  const dir = join(ROOT, 'models', 'qwen3-tiny-json');
  const task = generateSplits(JsonFormatConfigSchema.parse({}).data).eval[0]!;

  it('answers an extraction prompt of the recipe’s eval split the chatty way, an object wrapped in prose (pinned)', async () => {
    const model = await loadModel(dir, { device });
    const reply = await model.generate(model.chatPrompt([{ role: 'user', content: task.prompt }], { enableThinking: false }), { maxNewTokens: 64, temperature: 0 });
    model.dispose();
    expect(reply).toBe(JSON_GREEDY);
    expect(gradeFormat(reply, task.schema).ok).toBe(false);
  });

  it('has a model card with its data, training from qwen3-tiny, loss, format figures and the command that makes it', async () => {
    const card = await readFile(join(dir, 'README.md'), 'utf8');
    for (const field of ['training data', 'loss', 'json-format hard eval']) cardRow(card, field);
    expect(cardRow(card, 'training')).toContain('from models/qwen3-tiny:');
    const [first, last] = cardRow(card, 'loss').split(' → ').map(Number);
    expect(last, 'final loss below the first').toBeLessThan(first!);
    expect(card).toContain('npm run make:json-base');
  });
});
