// The shipped input of `npx recipe critique`: DeepScaleR-style records ({problem, answer, solution},
// a JSON array) made from the GSM8K-style generator, whose default problems the shipped tiny models
// were pre-trained on, so their sampled solutions are sometimes right and sometimes wrong — what the
// consistency filter needs. Seeded: `node dist/recipes/data/critique-questions.js` rewrites the same bytes.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { generateGsm8k, type GsmProblem } from './gsm8k.js';

export interface CritiqueQuestion {
  problem: string;
  answer: string;
  solution: string;
}

export const CRITIQUE_QUESTIONS = { seed: 15, count: 48, file: 'data/critique/questions.json' } as const;

/** A GSM8K solution as DeepScaleR writes one: the worked lines, then the answer boxed. */
export function deepScaleRRecord(p: GsmProblem): CritiqueQuestion {
  const lines = p.answer.split('\n');
  const answer = lines.at(-1)!.replace(/^#### /, '');
  const steps = lines.slice(0, -1).map((l) => l.replace(/<<[^>]*>>/g, ''));
  return { problem: p.question, answer, solution: `${steps.join('\n')}\nThe answer is $\\boxed{${answer}}$.` };
}

export function critiqueQuestions(seed: number = CRITIQUE_QUESTIONS.seed, count: number = CRITIQUE_QUESTIONS.count): CritiqueQuestion[] {
  return generateGsm8k(seed, count).map(deepScaleRRecord);
}

async function main(): Promise<void> {
  const path = join(process.cwd(), CRITIQUE_QUESTIONS.file);
  await mkdir(dirname(path), { recursive: true });
  const rows = critiqueQuestions();
  await writeFileAtomic(path, JSON.stringify(rows, null, 1) + '\n');
  console.log(`${CRITIQUE_QUESTIONS.file}: ${rows.length} questions (seed ${CRITIQUE_QUESTIONS.seed})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  });
}
