import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readQuestions } from '../../../recipes/critique/questions.js';
import { CRITIQUE_QUESTIONS, critiqueQuestions } from '../../../recipes/data/critique-questions.js';
import { isCorrect } from '../../../recipes/critique/answers.js';

describe('data/critique/questions.json', () => {
  it('is what its seeded generator writes', async () => {
    expect(JSON.parse(await readFile(CRITIQUE_QUESTIONS.file, 'utf8'))).toEqual(critiqueQuestions());
  });

  it('holds distinct questions whose reference solutions grade as right against their answers', async () => {
    const questions = await readQuestions(CRITIQUE_QUESTIONS.file);
    expect(new Set(questions.map((q) => q.problem)).size).toBe(questions.length);
    expect(questions.every((q) => isCorrect(q.solution!, q.answer))).toBe(true);
  });
});
