// The data step over files: problems → AGENT and EDIT instructions split by problem into train and
// eval, and the teacher's reply to each appended to teacher.jsonl (resumable) as Alpaca records.
import { readFile } from 'node:fs/promises';
import type { Device } from '../../src/gpu/device.js';
import { Rng } from '../../src/cpu/random.js';
import { shuffled } from '../data/common.js';
import { resolveAsset } from '../kit/paths.js';
import type { ProgressSink } from '../kit/progress.js';
import type { SpecialTokensConfig } from './config.js';
import { openTeacher } from './endpoint.js';
import { type AlpacaRecord, type Instruction, instructionsFor, teacherJob } from './instructions.js';
import { type Problem, readProblems } from './problems.js';
import { runTeacher, type TeacherResult } from './teacher.js';

export interface Split {
  train: Instruction[];
  eval: Instruction[];
}

/** Problems whose program is new (the planted-bug generator repeats some). */
function distinctCode(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.code) && seen.add(p.code));
}

/** The configured problems, distinct, shuffled by data.seed, split by problem so no program is in both. */
export async function problemSplit(c: SpecialTokensConfig): Promise<{ problems: Problem[]; split: Split }> {
  const all = shuffled(new Rng(c.data.seed), distinctCode(await readProblems(resolveAsset(c.data.problems), { maxRecordBytes: c.data.max_record_bytes })));
  const problems = all.slice(0, c.data.samples ?? all.length);
  const nEval = Math.max(1, Math.round(problems.length * c.data.eval_fraction));
  return { problems, split: { eval: problems.slice(0, nEval).flatMap(instructionsFor), train: problems.slice(nEval).flatMap(instructionsFor) } };
}

/** Asks the configured teacher about every instruction not yet in `output`. */
export async function writeTeacherData(c: SpecialTokensConfig, problems: readonly Problem[], instructions: readonly Instruction[], output: string, o: { sink: ProgressSink; device: () => Promise<Device> }): Promise<TeacherResult> {
  const systemPrompt = await readFile(resolveAsset(c.system_prompt), 'utf8');
  const byId = new Map(instructions.map((i) => [i.id, i]));
  const endpoint = await openTeacher(c, problems, o.device);
  o.sink(`[data] teacher: ${endpoint.describe}, ${c.teacher.threads} threads`);
  try {
    const t = c.teacher;
    return await runTeacher(instructions.map((i) => teacherJob(i, systemPrompt)), output, {
      client: endpoint.client,
      model: endpoint.model,
      concurrency: t.threads,
      timeoutMs: t.timeout_s * 1000,
      maxRetries: t.max_retries,
      baseDelayMs: t.base_delay_ms,
      maxDelayMs: t.max_delay_ms,
      temperature: t.temperature,
      maxTokens: t.max_tokens,
      // An empty reply is a failure (retried on the next run); any other reply is kept for the
      // validator, which rejects malformed ones with their reason.
      toRecord: (job, reply): Omit<AlpacaRecord, 'id'> | null => {
        if (!reply.trim()) return null;
        const { id: _id, ...rest } = byId.get(job.id)!;
        return { ...rest, output: reply };
      },
      sink: o.sink,
    });
  } finally {
    await endpoint.close();
  }
}
