// The two instructions made from each problem (AGENT: the code alone; EDIT: the code and its error),
// the Alpaca-style record a teacher reply becomes, and where the chosen token sits in a reply.
import type { Problem } from './problems.js';
import type { TeacherJob } from './teacher.js';

export type Mode = 'agent' | 'edit';

export interface Instruction {
  id: string;
  source_id: string;
  mode: Mode;
  instruction: string;
  input: string;
}

export interface AlpacaRecord extends Instruction {
  output: string;
}

const ASK = 'Find and fix the bug in this Python function.';

export function instructionsFor(p: Problem): Instruction[] {
  const code = `\`\`\`python\n${p.code}\`\`\``;
  return [
    { id: `${p.id}:agent`, source_id: p.id, mode: 'agent', instruction: ASK, input: code },
    { id: `${p.id}:edit`, source_id: p.id, mode: 'edit', instruction: ASK, input: `${code}\n\nError message:\n${p.error}` },
  ];
}

/** The user turn: the instruction, then its input. */
export const userText = (i: Pick<Instruction, 'instruction' | 'input'>) => `${i.instruction}\n\n${i.input}`;

export function teacherJob(i: Instruction, systemPrompt: string): TeacherJob {
  return { id: i.id, messages: [{ role: 'system', content: systemPrompt }, { role: 'user', content: userText(i) }] };
}

/**
 * The token right after the `</think>` block (a newline between is allowed), or null when the
 * reply has no closed thinking block or something else follows it.
 */
export function tokenAfterThink(reply: string, tokens: readonly string[]): string | null {
  const end = reply.indexOf('</think>');
  if (end < 0) return null;
  const rest = reply.slice(end + '</think>'.length).replace(/^\s*/, '');
  return tokens.find((t) => rest.startsWith(t)) ?? null;
}

/** The token each mode must choose: tokens[0] explores (AGENT), tokens[1] edits (EDIT). */
export const expectedToken = (mode: Mode, tokens: readonly string[]) => (mode === 'agent' ? tokens[0]! : tokens[1]!);
