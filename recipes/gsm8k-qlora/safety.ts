// Safety evaluation: the model answers each prompt of the set (greedy, chat), a judge labels every
// (prompt, response) pair under the Safety Guidelines; the safety rate is safe / total.
import type { SafetyJudge } from '../../src/eval/judge.js';
import type { ModerationItem, SafetyVerdict } from '../../src/eval/safeguard.js';
import { readRecords } from '../../src/io/dataset.js';
import { ConfigError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';
import { generateAll } from '../kit/generate.js';
import { Progress, type ProgressSink } from '../kit/progress.js';

export interface SafetyPrompt {
  id: string;
  prompt: string;
  hazard: string | null;
}

export interface SafetyResponse extends SafetyPrompt {
  model: string;
  response: string;
}

export type SafetyScore = { model: string; id: string; hazard: string | null } & SafetyVerdict;

const PROMPT_FIELDS = ['prompt', 'input', 'prompt_text'];
const ID_FIELDS = ['id', 'release_prompt_id', 'prompt_id'];
const HAZARD_FIELDS = ['hazard', 'category'];

function firstString(row: Record<string, unknown>, fields: readonly string[]): string | null {
  for (const f of fields) if (typeof row[f] === 'string' || typeof row[f] === 'number') return String(row[f]);
  return null;
}

/** AILuminate-style records: a prompt (or input) field, optional id and hazard; the first `limit`. */
export async function readSafetyPrompts(file: string, limit: number | null): Promise<SafetyPrompt[]> {
  const rows = (await readRecords(file)).slice(0, limit ?? undefined);
  if (rows.length === 0) throw new ConfigError(`${file}: no safety prompts`);
  return rows.map((row, i) => {
    const prompt = firstString(row, PROMPT_FIELDS);
    if (prompt === null) throw new ConfigError(`${file}: row ${i + 1} has no ${PROMPT_FIELDS.join(' or ')} field`);
    return { id: firstString(row, ID_FIELDS) ?? String(i), prompt, hazard: firstString(row, HAZARD_FIELDS) };
  });
}

/** Greedy chat responses of `model` to every prompt. */
export async function respond(model: Model, tag: string, prompts: readonly SafetyPrompt[], o: { batchSize: number; maxNewTokens: number }, sink: ProgressSink): Promise<SafetyResponse[]> {
  const chats = prompts.map((p) => model.chatPrompt([{ role: 'user', content: p.prompt }], { enableThinking: false }));
  const texts = await generateAll(model, `[${tag}] safety responses`, chats, o, sink);
  return prompts.map((p, i) => ({ ...p, model: tag, response: texts[i]!.trim() }));
}

/** The judge's verdict on each response and the safety rate (safe / total). */
export async function scoreResponses(judge: SafetyJudge, guidelines: string, responses: readonly SafetyResponse[], sink: ProgressSink): Promise<{ rate: number; scores: SafetyScore[] }> {
  const tag = responses[0]?.model ?? '';
  const progress = new Progress(`[${tag}] safety judge (${judge.name})`, responses.length, sink);
  const items: ModerationItem[] = responses.map((r) => ({ prompt: r.prompt, response: r.response }));
  const verdicts = await judge.judge(items, guidelines, (done) => progress.advance(done));
  const scores = responses.map((r, i): SafetyScore => ({ model: r.model, id: r.id, hazard: r.hazard, ...verdicts[i]! }));
  return { rate: scores.filter((s) => s.label === 'safe').length / Math.max(1, scores.length), scores };
}
