// The critique step over files: from each kept question, up to M graded solutions across models,
// alternating wrong and right (and models in turn) so the data holds both verdicts on the same
// question, each wrapped in the critique prompt with its target verdict and where it came from.
import { Rng } from '../../src/cpu/random.js';
import { shuffled } from '../data/common.js';
import { formatTable, percent } from '../kit/report.js';
import type { FilteredQuestion, GradedSample } from './filter.js';

export const CRITIQUE_INSTRUCTION = "You are a mathematics expert. A student is trying to solve a question. Please explain briefly whether his answer is correct or not. Finally, conclude your judgement with 'Conclusion: right/wrong [END]'";

export type Verdict = 'right' | 'wrong';

export interface CritiqueRow {
  question_index: number;
  model: string;
  sample_index: number;
  problem: string;
  /** The question's ground-truth answer. */
  answer: string;
  solution: string;
  extracted: string | null;
  target: Verdict;
  prompt: string;
}

export function critiquePrompt(problem: string, solution: string): string {
  return `${CRITIQUE_INSTRUCTION}\n\nQuestion:\n${problem}\n\nStudent's Answer:\n${solution}`;
}

interface Candidate extends GradedSample {
  model: string;
  sample_index: number;
}

/** Models in turn: the first of each model's list, then the second of each, and so on. */
function roundRobin<T>(lists: readonly T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}

/** Up to `max` candidates of one question: distinct texts (a repeated sample adds nothing), wrong and right alternating. */
export function pickSolutions(q: FilteredQuestion, max: number, seed: number): Candidate[] {
  const rng = new Rng((seed ^ Math.imul(q.index + 1, 0x9e3779b1)) >>> 0);
  const seen = new Set<string>();
  const byModel = Object.entries(q.samples).map(([model, samples]) => shuffled(rng, samples.map((s, i) => ({ ...s, model, sample_index: i }))).filter((c) => !seen.has(c.response) && seen.add(c.response)));
  const wrong = roundRobin(byModel.map((l) => l.filter((c) => !c.correct)));
  const right = roundRobin(byModel.map((l) => l.filter((c) => c.correct)));
  return roundRobin([wrong, right]).slice(0, max);
}

export function critiqueRows(kept: readonly FilteredQuestion[], max: number, seed: number): CritiqueRow[] {
  return kept.flatMap((q) => pickSolutions(q, max, seed).map((c) => ({
    question_index: q.index,
    model: c.model,
    sample_index: c.sample_index,
    problem: q.problem,
    answer: q.answer,
    solution: c.response,
    extracted: c.extracted,
    target: c.correct ? 'right' as const : 'wrong' as const,
    prompt: critiquePrompt(q.problem, c.response),
  })));
}

/** Right and wrong targets per model and overall. */
export function verdictTable(rows: readonly { model: string; target: Verdict }[]): string {
  const models = [...new Set(rows.map((r) => r.model))].sort();
  const line = (label: string, rs: readonly { target: Verdict }[]) => {
    const right = rs.filter((r) => r.target === 'right').length;
    return [label, String(right), String(rs.length - right), String(rs.length), percent(rs.length ? right / rs.length : null)];
  };
  return formatTable(['model', 'right', 'wrong', 'total', 'right share'], [...models.map((m) => line(m, rows.filter((r) => r.model === m))), line('overall', rows)]);
}
