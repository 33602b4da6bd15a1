import { describe, expect, it } from 'vitest';
import { CRITIQUE_INSTRUCTION, critiqueRows, pickSolutions } from '../../../recipes/critique/critique.js';
import type { FilteredQuestion } from '../../../recipes/critique/filter.js';
import { trainingRows } from '../../../recipes/critique/format.js';

const sample = (response: string, correct: boolean) => ({ response, extracted: response.split(' ').at(-1)!, correct });
const question: FilteredQuestion = {
  index: 7,
  problem: 'Ann has 2 apples and buys 3. How many?',
  answer: '5',
  case: 'mixed',
  samples: {
    a: [sample('so 5', true), sample('so 4', false), sample('so 5', true), sample('so 6', false)],
    b: [sample('b says 5', true), sample('b says 1', false)],
  },
};

describe('critique rows', () => {
  it('takes at most M distinct solutions, wrong and right alternating', () => {
    const picked = pickSolutions(question, 4, 0);
    expect(picked).toHaveLength(4);
    expect(picked.map((p) => p.correct)).toEqual([false, true, false, true]);
    expect(new Set(picked.map((p) => p.response)).size).toBe(4);
  });

  it('puts the question and the solution after the critique instruction', () => {
    const [row] = critiqueRows([question], 1, 0);
    expect(row!.prompt.startsWith(CRITIQUE_INSTRUCTION)).toBe(true);
    expect(row!.prompt).toContain(question.problem);
    expect(row!.prompt).toContain(row!.solution);
  });
});

describe('format', () => {
  it('writes the training-data fields of the original pipeline', () => {
    const rows = trainingRows(critiqueRows([question], 2, 0), 'deepscaler_critique');
    const wrong = rows.find((r) => r.reward_model.ground_truth === 'wrong')!;
    const source = critiqueRows([question], 2, 0).find((r) => r.target === 'wrong')!;
    expect(Object.keys(wrong)).toEqual(['data_source', 'prompt', 'ability', 'reward_model', 'extra_info']);
    expect(wrong).toEqual({
      data_source: 'deepscaler_critique',
      prompt: [{ role: 'user', content: source.prompt }],
      ability: 'critique',
      reward_model: { ground_truth: 'wrong', style: 'rule' },
      extra_info: {
        split: 'train', index: rows.indexOf(wrong), question_index: 7, sample_index: source.sample_index, model: source.model,
        question: question.problem, solution: source.solution, answer: '5', extracted_answer: source.extracted,
      },
    });
    expect(rows.map((r) => r.reward_model.ground_truth).sort()).toEqual(['right', 'wrong']);
  });
});
