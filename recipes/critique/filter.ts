// The filter step over files: every sample graded against the question's answer, then the
// consistency rule: a question is kept when at least one model has mixed results on it (some samples
// right, some wrong), since only there do the samples hold both right and wrong solutions to the same
// question; it is removed when every model is uniform (all right, all wrong, or one each way).
import { isCorrect, extractAnswer } from './answers.js';
import { CritiqueFileError } from './errors.js';
import type { MergedFile } from './merge.js';

export type ModelCase = 'all_right' | 'all_wrong' | 'mixed';
/** A question's case over all models: kept only when 'mixed'. */
export type QuestionCase = 'mixed' | 'all_right' | 'all_wrong' | 'split';

export interface GradedSample {
  response: string;
  extracted: string | null;
  correct: boolean;
}

export interface FilteredQuestion {
  index: number;
  problem: string;
  answer: string;
  case: QuestionCase;
  /** By model name. */
  samples: Record<string, GradedSample[]>;
}

export interface FilterCounts {
  questions: number;
  kept: number;
  removed: number;
  /** Questions per case. */
  cases: Record<QuestionCase, number>;
  /** Per model: questions on which it was all right, all wrong, mixed. */
  per_model: Record<string, Record<ModelCase, number>>;
}

export function modelCase(correct: readonly boolean[]): ModelCase {
  const right = correct.filter(Boolean).length;
  return right === correct.length ? 'all_right' : right === 0 ? 'all_wrong' : 'mixed';
}

/** The consistency rule over one question's per-model cases. */
export function questionCase(cases: readonly ModelCase[]): QuestionCase {
  if (cases.includes('mixed')) return 'mixed';
  if (cases.every((c) => c === 'all_right')) return 'all_right';
  return cases.every((c) => c === 'all_wrong') ? 'all_wrong' : 'split';
}

function checkAligned(merged: readonly MergedFile[], files: readonly string[]): void {
  const first = merged[0]!;
  merged.forEach((m, i) => {
    if (m.records.length !== first.records.length || m.records.some((r, k) => r.index !== first.records[k]!.index)) throw new CritiqueFileError(`${files[i]} covers other questions than ${files[0]}; merge both from the same questions file`);
  });
}

/** All questions graded and classified (kept and removed alike), with the counts. */
export function filterMerged(merged: readonly MergedFile[], files: readonly string[]): { questions: FilteredQuestion[]; counts: FilterCounts } {
  if (merged.length === 0) throw new CritiqueFileError('filter needs at least one merged file');
  checkAligned(merged, files);
  const counts: FilterCounts = { questions: 0, kept: 0, removed: 0, cases: { mixed: 0, all_right: 0, all_wrong: 0, split: 0 }, per_model: {} };
  for (const m of merged) counts.per_model[m.meta.model] = { all_right: 0, all_wrong: 0, mixed: 0 };
  const questions = merged[0]!.records.map((q, k) => {
    const samples: Record<string, GradedSample[]> = {};
    const cases = merged.map((m) => {
      const graded = m.records[k]!.responses.map((response) => ({ response, extracted: extractAnswer(response).text, correct: isCorrect(response, q.answer) }));
      samples[m.meta.model] = graded;
      const c = modelCase(graded.map((g) => g.correct));
      counts.per_model[m.meta.model]![c]++;
      return c;
    });
    const qc = questionCase(cases);
    counts.cases[qc]++;
    return { index: q.index, problem: q.problem, answer: q.answer, case: qc, samples };
  });
  counts.questions = questions.length;
  counts.kept = counts.cases.mixed;
  counts.removed = counts.questions - counts.kept;
  return { questions, counts };
}
