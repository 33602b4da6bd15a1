// The validator: every record checked for schema, exactly one token right after `</think>`, the
// token agreeing with whether an error message was given, a non-empty and untruncated answer, and
// duplicates; a report (JSON and Markdown) with the valid rate, AGENT/EDIT balance and rejection
// reasons with counts and examples, and the filtered set.
import { writeFileAtomic } from '../../src/io/atomic.js';
import { formatTable, percent } from '../kit/report.js';
import { type AlpacaRecord, expectedToken, tokenAfterThink } from './instructions.js';

export const REASONS = ['schema', 'no_think_block', 'no_token_after_think', 'several_tokens', 'wrong_token', 'empty_answer', 'truncated', 'duplicate'] as const;
export type Reason = (typeof REASONS)[number];

export interface ValidationReport {
  total: number;
  valid: number;
  valid_rate: number;
  /** Valid records per chosen token. */
  balance: Record<string, number>;
  rejected: Record<Reason, number>;
  examples: Partial<Record<Reason, { id: string; output: string }[]>>;
}

const FIELDS = ['id', 'source_id', 'mode', 'instruction', 'input', 'output'] as const;

function schemaOk(r: unknown): r is AlpacaRecord {
  if (typeof r !== 'object' || r === null) return false;
  const x = r as Record<string, unknown>;
  return FIELDS.every((f) => typeof x[f] === 'string') && (x.mode === 'agent' || x.mode === 'edit');
}

// An answer cut off by max_tokens ends inside a code fence (an odd number of ```).
const unclosedFence = (text: string) => (text.match(/```/g)?.length ?? 0) % 2 === 1;

/** Why `r` is rejected, or null when it is valid (duplicates are checked across records). */
export function rejection(r: unknown, tokens: readonly string[]): Reason | null {
  if (!schemaOk(r)) return 'schema';
  if (!r.output.includes('</think>') || !r.output.trimStart().startsWith('<think>')) return 'no_think_block';
  const token = tokenAfterThink(r.output, tokens);
  if (!token) return 'no_token_after_think';
  if (tokens.reduce((n, t) => n + r.output.split(t).length - 1, 0) !== 1) return 'several_tokens';
  if (token !== expectedToken(r.mode, tokens)) return 'wrong_token';
  const answer = r.output.slice(r.output.indexOf(token) + token.length).trim();
  if (!answer) return 'empty_answer';
  if (unclosedFence(answer)) return 'truncated';
  return null;
}

const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

export function validate(records: readonly unknown[], tokens: readonly string[], examplesPerReason = 3): { valid: AlpacaRecord[]; report: ValidationReport } {
  const rejected = Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<Reason, number>;
  const examples: ValidationReport['examples'] = {};
  const seen = new Set<string>();
  const valid: AlpacaRecord[] = [];
  for (const r of records) {
    let reason = rejection(r, tokens);
    const rec = r as AlpacaRecord;
    // Same id or same (input, output) twice: the second copy is the duplicate.
    if (!reason && (seen.has(rec.id) || seen.has(`${rec.input}\u0000${rec.output}`))) reason = 'duplicate';
    if (reason) {
      rejected[reason]++;
      const list = (examples[reason] ??= []);
      if (list.length < examplesPerReason) list.push({ id: String(rec?.id ?? '?'), output: clip(String(rec?.output ?? JSON.stringify(r))) });
      continue;
    }
    seen.add(rec.id).add(`${rec.input}\u0000${rec.output}`);
    valid.push(rec);
  }
  const balance = Object.fromEntries(tokens.map((t) => [t, valid.filter((v) => tokenAfterThink(v.output, tokens) === t).length]));
  return { valid, report: { total: records.length, valid: valid.length, valid_rate: records.length ? valid.length / records.length : 0, balance, rejected, examples } };
}

export function reportMarkdown(r: ValidationReport, file: string): string {
  const lines = [
    `# Validation of ${file}`,
    '',
    `${r.valid} of ${r.total} records valid (${percent(r.valid_rate)}).`,
    '',
    '## Balance of valid records',
    '',
    formatTable(['token', 'records'], Object.entries(r.balance).map(([t, n]) => [t, String(n)])),
    '',
    '## Rejections',
    '',
    formatTable(['reason', 'count'], REASONS.map((k) => [k, String(r.rejected[k])])),
  ];
  for (const [reason, list] of Object.entries(r.examples)) {
    lines.push('', `### ${reason}`, '', ...list.map((e) => `- \`${e.id}\`: ${JSON.stringify(e.output)}`));
  }
  return lines.join('\n') + '\n';
}

/** report.json, report.md and the filtered JSONL, each written atomically. */
export async function writeValidation(out: { json: string; md: string; filtered: string }, source: string, result: ReturnType<typeof validate>): Promise<void> {
  await writeFileAtomic(out.json, JSON.stringify(result.report, null, 2) + '\n');
  await writeFileAtomic(out.md, reportMarkdown(result.report, source));
  await writeFileAtomic(out.filtered, result.valid.map((v) => JSON.stringify(v) + '\n').join(''));
}
