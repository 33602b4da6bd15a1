// critique generate's hand-off to vLLM: the prompt rows carry, for every question in file order, the
// prompt ids wgml's engine would be given and the per-sample seeds of the WebGPU path, so both
// backends sample the same requests and write chunk records of the same shape.
import { describe, expect, it } from 'vitest';
import { CritiqueConfigSchema } from '../../../recipes/critique/config.js';
import { promptRows } from '../../../recipes/critique/cuda.js';
import { sampleSeed } from '../../../recipes/critique/seeds.js';
import { loadTokenizer } from '../../../src/io/tokenizer.js';

const questions = [
  { index: 0, problem: 'What is 2 + 3?', answer: '5' },
  { index: 1, problem: 'What is 4 * 6?', answer: '24' },
];

describe('critique prompt rows for the CUDA worker', async () => {
  const tokenizer = await loadTokenizer('models/qwen3-tiny');
  const c = CritiqueConfigSchema.parse({ data: { prompt_template: 'Solve: {problem}' }, generate: { n: 3, seed: 7 } });
  const rows = promptRows(tokenizer, questions, c);

  it('hold every question in file order with the fields a chunk record starts with', () => {
    expect(rows.map((r) => [r.index, r.record])).toEqual([[0, { index: 0, problem: 'What is 2 + 3?', answer: '5' }], [1, { index: 1, problem: 'What is 4 * 6?', answer: '24' }]]);
  });

  it("give each sample the WebGPU path's seed", () => {
    expect(rows[1]!.seeds).toEqual([0, 1, 2].map((s) => sampleSeed(7, 1, s)));
  });

  it('are the ids of the filled template in a chat turn with the generation prompt, thinking off', () => {
    const text = tokenizer.applyChatTemplate([{ role: 'user', content: 'Solve: What is 2 + 3?' }], { addGenerationPrompt: true, enableThinking: false });
    expect(rows[0]!.prompt_token_ids).toEqual(tokenizer.encode(text, { addSpecialTokens: false }));
  });
});
