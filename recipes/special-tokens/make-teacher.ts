// `npm run make:teacher`: the shipped teacher
// models/qwen3-tiny-teacher, which the default preset serves with `wgml serve`. The 1M-parameter
// qwen3-tiny cannot follow the system prompt, and a rank-8 LoRA on it did not learn the format in
// 120 steps (loss 3.8, no reply valid), so the teacher is qwen3-tiny given a further full-parameter
// stage on teacher chats (teacher-transcripts.ts). Its valid rate is measured the way the default
// preset's data step uses it (`wgml serve` + the openai client, on train instructions of its split,
// none of which it saw), and goes in its model card. Seeded; 6 to 9 minutes on a 2-core CPU.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevice } from '../../src/platform/node.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { readJsonl } from '../data/common.js';
import { loadConfig } from '../kit/config.js';
import { presetFile, resolveAsset } from '../kit/paths.js';
import { TinyModelSchema, trainFull, writeModelCard } from '../models/pretrain.js';
import { SpecialTokensConfigSchema } from './config.js';
import { problemSplit, writeTeacherData } from './data.js';
import { readProblems } from './problems.js';
import { freshProblems, teacherTranscripts } from './teacher-transcripts.js';
import { validate } from './validate.js';

const FROM = 'models/qwen3-tiny';
const SPEC = TinyModelSchema.parse({ name: 'qwen3-tiny-teacher', seed: 11, steps: 120, batchSize: 2, lr: 5e-3 });
/** The draw of fresh problems: not the seed data/special-tokens/bugs.jsonl was made with. */
const PROBLEMS = { seed: 1014, count: 160 };
/** Train instructions of the default preset's split asked to measure the teacher. */
const CHECK = 64;

async function validRate(device: Awaited<ReturnType<typeof createDevice>>): Promise<string> {
  const config = await loadConfig(SpecialTokensConfigSchema, { files: [presetFile('special-tokens', 'default')] });
  const { problems, split } = await problemSplit(config);
  const asked = split.train.slice(0, CHECK);
  const work = await mkdtemp(join(tmpdir(), 'wgml-teacher-'));
  try {
    const replies = join(work, 'teacher.jsonl');
    await writeTeacherData(config, problems, asked, replies, { sink: (l) => console.log(`  ${l}`), device: async () => device });
    const { report } = validate(await readJsonl<unknown>(replies), config.tokens.add);
    const rejected = Object.entries(report.rejected).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ') || 'none';
    return `${(100 * report.valid_rate).toFixed(1)}% (${report.valid}/${asked.length}; rejected: ${rejected}) on the first ${CHECK} train instructions of the default preset's split, through \`wgml serve\` and the openai client at temperature ${config.teacher.temperature}, ${config.teacher.max_tokens} tokens at most`;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const config = SpecialTokensConfigSchema.parse({});
  const systemPrompt = await readFile(resolveAsset(config.system_prompt), 'utf8');
  const problems = freshProblems(await readProblems(resolveAsset(config.data.problems)), PROBLEMS.seed, PROBLEMS.count);
  const docs = teacherTranscripts(await loadTokenizer(resolveAsset(FROM)), systemPrompt, problems, config.tokens.add);
  const out = resolveAsset(join('models', SPEC.name));
  const device = await createDevice();
  try {
    console.log(`training ${SPEC.name} from ${FROM} on ${docs.length} teacher chats of ${problems.length} fresh problems (up to ${Math.max(...docs.map((d) => d.input_ids.length))} tokens)`);
    const result = await trainFull(device, resolveAsset(FROM), SPEC, docs, out, (line) => console.log(`  ${line}`));
    const rate = await validRate(device);
    await writeModelCard(result, SPEC, {
      about: `The special-tokens recipe's default teacher, served by \`wgml serve\`: ${FROM} taught to answer ${config.system_prompt} and an AGENT or EDIT instruction in the validator's format, \`<think>…</think>\` then \`<|AGENT|>\` (a plan) or \`<|EDIT|>\` (a fixed program), the tokens as text (its tokenizer has no such tokens). It imitates the scripted teacher (recipes/special-tokens/scripted-teacher.ts); its plans and fixes are not reliable. Not a useful model.`,
      init: FROM,
      data: `${docs.length} teacher chats (system prompt, instruction, the scripted teacher's reply; loss on the reply only) from ${problems.length} planted-bug problems drawn with generateBugs(${PROBLEMS.seed}), none of whose programs is in ${config.data.problems}, so none is in the recipe's eval split whatever data.seed; tokenizer models/tokenizer`,
      accuracyName: 'validator valid rate',
      accuracy: rate,
      command: 'npm run make:teacher',
    });
    console.log(`${SPEC.name}: loss ${result.firstLoss.toFixed(3)} → ${result.finalLoss.toFixed(3)}, ${result.seconds.toFixed(0)} s, valid rate ${rate}`);
  } finally {
    device.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
