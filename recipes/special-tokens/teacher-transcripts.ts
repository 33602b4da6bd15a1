// The training data of the shipped teacher adapter (models/qwen3-tiny-teacher): planted-bug
// problems drawn fresh, none of whose programs is in the recipe's problem file (so none is in any
// eval split, whatever data.seed), each asked exactly as the data step asks its teacher (system
// prompt, then the AGENT or EDIT instruction) and answered with the scripted teacher's reply.
import { generateBugs } from '../data/bugs.js';
import type { Tokenizer } from '../../src/io/tokenizer.js';
import { assistantOnlyLabels, type LabelledExample } from '../../src/train/labels.js';
import { instructionsFor, teacherJob } from './instructions.js';
import { fromBugRow, type Problem } from './problems.js';
import { scriptedReply } from './scripted-teacher.js';

/** Up to `count` distinct programs from generateBugs(seed), leaving out every program of `exclude`. */
export function freshProblems(exclude: readonly Problem[], seed: number, count: number): Problem[] {
  const seen = new Set(exclude.map((p) => p.code));
  const out: Problem[] = [];
  generateBugs(seed, 10 * count).forEach((row, i) => {
    if (out.length < count && !seen.has(row.buggy)) {
      seen.add(row.buggy);
      out.push(fromBugRow({ ...row }, `generateBugs(${seed})`, i));
    }
  });
  return out;
}

/** Both instructions of every problem as teacher chats, the loss on the scripted reply only. */
export function teacherTranscripts(tokenizer: Tokenizer, systemPrompt: string, problems: readonly Problem[], tokens: readonly string[]): LabelledExample[] {
  return problems.flatMap(instructionsFor).map((i) => {
    const { messages } = teacherJob(i, systemPrompt);
    const reply = scriptedReply(messages[1]!.content, problems, tokens);
    return assistantOnlyLabels(tokenizer, [...messages, { role: 'assistant', content: reply }]);
  });
}
