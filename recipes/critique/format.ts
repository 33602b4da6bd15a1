// The format step over files: critique rows in the training-data layout of the original pipeline
// (verl's RL/SFT rows: data_source, a chat prompt, ability, a rule reward with the verdict as ground
// truth, extra_info for tracing a row back to its question, model and sample).
import { formatTable } from '../kit/report.js';
import type { CritiqueRow, Verdict } from './critique.js';
import { verdictTable } from './critique.js';

export interface TrainingRow {
  data_source: string;
  prompt: { role: 'user'; content: string }[];
  ability: 'critique';
  reward_model: { ground_truth: Verdict; style: 'rule' };
  extra_info: {
    split: 'train';
    index: number;
    question_index: number;
    sample_index: number;
    model: string;
    question: string;
    solution: string;
    /** The question's ground-truth answer. */
    answer: string;
    extracted_answer: string | null;
  };
}

export function trainingRows(rows: readonly CritiqueRow[], dataSource: string): TrainingRow[] {
  return rows.map((r, index) => ({
    data_source: dataSource,
    prompt: [{ role: 'user', content: r.prompt }],
    ability: 'critique',
    reward_model: { ground_truth: r.target, style: 'rule' },
    extra_info: { split: 'train', index, question_index: r.question_index, sample_index: r.sample_index, model: r.model, question: r.problem, solution: r.solution, answer: r.answer, extracted_answer: r.extracted },
  }));
}

/** Rows, questions, prompt lengths, and the verdicts per model. */
export function formatSummary(rows: readonly TrainingRow[]): string {
  const lengths = rows.map((r) => r.prompt[0]!.content.length);
  const questions = new Set(rows.map((r) => r.extra_info.question_index)).size;
  const overview = formatTable(['rows', 'questions', 'data_source', 'mean prompt chars', 'max prompt chars'], [[
    String(rows.length), String(questions), [...new Set(rows.map((r) => r.data_source))].join(' '),
    lengths.length ? (lengths.reduce((a, b) => a + b, 0) / lengths.length).toFixed(0) : '0', String(Math.max(0, ...lengths)),
  ]]);
  return `${overview}\n\n${verdictTable(rows.map((r) => ({ model: r.extra_info.model, target: r.reward_model.ground_truth })))}`;
}
