import { describe, expect, it } from 'vitest';
import { filterMerged, modelCase, questionCase } from '../../../recipes/critique/filter.js';
import type { MergedFile } from '../../../recipes/critique/merge.js';

/** A merged file of `model` where question q's samples answer `answers[q]` (the ground truth is 5). */
function merged(model: string, answers: string[][]): MergedFile {
  const sampling = { n: answers[0]!.length, temperature: 0.7, top_p: 1, top_k: 0, max_tokens: 8, stop: [], seed: 1, prompt_template: '{problem}' };
  return {
    meta: { model, sampling, chunk_size: 4, chunks: 1, questions: answers.length, wgml_version: '0' },
    records: answers.map((a, index) => ({ index, problem: `q${index}`, answer: '5', responses: a.map((x) => `The answer is ${x}.`) })),
  };
}

describe('the consistency rule', () => {
  it('classifies one model by its samples: all right, all wrong, mixed', () => {
    expect([modelCase([true, true]), modelCase([false, false]), modelCase([true, false])]).toEqual(['all_right', 'all_wrong', 'mixed']);
  });

  it('keeps a question where one model is mixed and the other uniform', () => {
    expect(questionCase(['mixed', 'all_wrong'])).toBe('mixed');
  });

  it('removes a question where both models are all right', () => {
    expect(questionCase(['all_right', 'all_right'])).toBe('all_right');
  });

  it('removes a question where both models are all wrong', () => {
    expect(questionCase(['all_wrong', 'all_wrong'])).toBe('all_wrong');
  });

  it('removes a question where one model is all right and the other all wrong', () => {
    expect(questionCase(['all_right', 'all_wrong'])).toBe('split');
  });

  it('counts kept and removed questions per case and each model\'s cases over the merged files', () => {
    const a = merged('a', [['5', '4'], ['5', '5'], ['1', '2'], ['5', '5']]);
    const b = merged('b', [['5', '5'], ['5', '5'], ['2', '2'], ['0', '0']]);
    const { questions, counts } = filterMerged([a, b], ['a.json', 'b.json']);
    expect(questions.map((q) => q.case)).toEqual(['mixed', 'all_right', 'all_wrong', 'split']);
    expect(counts).toEqual({
      questions: 4, kept: 1, removed: 3,
      cases: { mixed: 1, all_right: 1, all_wrong: 1, split: 1 },
      per_model: { a: { all_right: 2, all_wrong: 1, mixed: 1 }, b: { all_right: 2, all_wrong: 2, mixed: 0 } },
    });
  });

  it('refuses merged files that cover different questions, naming them', () => {
    const a = merged('a', [['5'], ['5']]);
    const b = merged('b', [['5']]);
    expect(() => filterMerged([a, b], ['a.json', 'b.json'])).toThrow(/b\.json covers other questions than a\.json/);
  });
});
