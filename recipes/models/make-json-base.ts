// `npm run make:json-base`: models/qwen3-tiny-json, the json-format recipe's shipped base. The 1M-
// parameter qwen3-tiny saw too few extraction chats to copy a schema's keys, so a recipe could not
// show what it is for; this base is qwen3-tiny given a further full-parameter stage on extraction
// chats answered the chatty way (an opener, a fence, commentary, the object twice: proseReply), as
// an instruct model that knows the object but not to send it alone. Its prompts are drawn apart
// from the recipe's default train and eval splits. Seeded; about 25 minutes on a 2-core machine.
import { join } from 'node:path';
import { Rng } from '../../src/cpu/random.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { loadModel } from '../../src/model/model.js';
import { createDevice } from '../../src/platform/node.js';
import { assistantOnlyLabels } from '../../src/train/labels.js';
import { drawUnique } from '../data/common.js';
import { drawTask, type JsonTask, NEGATIVES, proseReply } from '../data/json-format.js';
import { JsonFormatConfigSchema } from '../json-format/config.js';
import { generateSplits } from '../json-format/data.js';
import { evaluateJson } from '../json-format/evaluate.js';
import { gradeFormat } from '../json-format/metrics.js';
import { TinyModelSchema, trainFull, writeModelCard } from './pretrain.js';

const ROOT = process.cwd();
const FROM = 'qwen3-tiny';
const CHATS = 2000;
const SPEC = TinyModelSchema.parse({ name: 'qwen3-tiny-json', seed: 11, steps: 320, batchSize: 8, lr: 3e-3 });

/** Extraction tasks none of whose prompts is in the recipe's default splits, each with a chatty reply. */
function chattyTasks(rng: Rng): { task: JsonTask; reply: string }[] {
  const { train, eval: evalTasks } = generateSplits(JsonFormatConfigSchema.parse({}).data);
  const taken = new Set([...train, ...evalTasks].map((t) => t.prompt));
  return drawUnique(CHATS, () => drawTask(rng, 0.4, NEGATIVES, 'subset'), (t) => t.prompt, taken).map((task) => ({ task, reply: proseReply(rng, task) }));
}

/** On the recipe's default eval split, greedy: how often the whole reply passes, and its first object alone. */
async function formatFigures(dir: string, device: Awaited<ReturnType<typeof createDevice>>): Promise<string> {
  const tasks = generateSplits(JsonFormatConfigSchema.parse({}).data).eval;
  const model = await loadModel(dir, { device });
  const { metrics, preds } = await evaluateJson(model, SPEC.name, tasks, { batchSize: 16, maxNewTokens: 96 }, (line) => console.log(`  ${line}`));
  model.dispose();
  const object = preds.filter((p, i) => gradeFormat(p.output.slice(p.output.indexOf('{'), p.output.indexOf('}') + 1), tasks[i]!.schema).ok).length;
  const percent = (share: number) => `${(100 * share).toFixed(1)}% (${Math.round(share * tasks.length)}/${tasks.length})`;
  return `format_success_rate ${percent(metrics.format_success_rate)}; its first object alone has the schema's keys and types in ${percent(object / tasks.length)} (greedy, 96 new tokens, the json-format default eval split)`;
}

async function main(): Promise<void> {
  const from = join(ROOT, 'models', FROM);
  const out = join(ROOT, 'models', SPEC.name);
  const tokenizer = await loadTokenizer(from);
  const chats = chattyTasks(new Rng(SPEC.seed));
  const docs = chats.map(({ task, reply }) => assistantOnlyLabels(tokenizer, [{ role: 'user', content: task.prompt }, { role: 'assistant', content: reply }], { enableThinking: false }));
  const device = await createDevice();
  try {
    console.log(`training ${SPEC.name} from ${FROM} on ${docs.length} chatty extraction chats`);
    const result = await trainFull(device, from, SPEC, docs, out, (line) => console.log(`  ${line}`));
    const figures = await formatFigures(out, device);
    await writeModelCard(result, SPEC, {
      about: 'The json-format recipe\'s tiny base: qwen3-tiny taught to extract JSON, but to answer the chatty way (an opener, a fence, commentary, or the object twice), so the recipe has something to tune away. Not a useful model.',
      init: `models/${FROM}`,
      data: `${docs.length} JSON extraction chats (recipes/data/json-format.ts, seed ${SPEC.seed}, 40% hard negatives, schemas of 2 to 4 of an entity's fields, none of the json-format default splits' prompts) with chatty replies (proseReply), loss on the replies only; tokenizer models/tokenizer`,
      accuracyName: 'json-format hard eval',
      accuracy: figures,
      command: 'npm run make:json-base',
    });
    console.log(`${SPEC.name}: loss ${result.firstLoss.toFixed(3)} → ${result.finalLoss.toFixed(3)}, ${figures}`);
  } finally {
    device.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
