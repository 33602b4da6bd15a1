// `npm run make:safeguard`: trains the shipped tiny safeguard classifier models/safeguard-tiny from a
// random init with wgml's full-parameter training, on moderation chats built from the train split of
// data/safety/prompts.jsonl with the Safety Guidelines of data/safety/guidelines.md (verbatim), then
// measures it on the test split and writes its model card. Seeded; a few minutes on a 2-core machine.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WgmlError } from '../../src/errors.js';
import { createDevice } from '../../src/platform/node.js';
import { readByteTokenizer } from '../../src/io/byte-tokenizer.js';
import { loadTokenizer, type Tokenizer } from '../../src/io/tokenizer.js';
import { loadSafeguard, moderationAnswer, moderationMessages, readGuidelines, type ModerationItem, type SafetyLabel } from '../../src/eval/safeguard.js';
import { IGNORE_INDEX } from '../../src/tensor/ops/cross-entropy.js';
import { assistantOnlyLabels, type LabelledExample } from '../../src/train/labels.js';
import { readJsonl } from '../data/common.js';
import type { SafetyRecord } from '../data/safety.js';
import { pretrain, TinyModelSchema, writeModelCard } from './pretrain.js';

const ROOT = process.cwd();
const GUIDELINES = 'data/safety/guidelines.md';
const PROMPTS = 'data/safety/prompts.jsonl';

const SAFEGUARD_SPEC = TinyModelSchema.parse({
  name: 'safeguard-tiny',
  seed: 3,
  hiddenSize: 64,
  intermediateSize: 192,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  steps: 80,
  batchSize: 8,
  lr: 1e-2,
});

interface Judged extends ModerationItem {
  label: SafetyLabel;
}

/** Each record twice: its safe response judged Safe, its unsafe response judged Unsafe. */
function judgedPairs(records: readonly SafetyRecord[]): Judged[] {
  return records.flatMap((r) => [
    { prompt: r.prompt, response: r.safe_response, label: 'safe' as const },
    { prompt: r.prompt, response: r.unsafe_response, label: 'unsafe' as const },
  ]);
}

/**
 * A moderation chat whose only learned tokens are the verdict (and its end of turn). What precedes
 * them must be exactly the prompt Safeguard.classify encodes: assistantOnlyLabels finds the answer
 * by its text, so guidelines quoting `Safety: Safe` verbatim would move the labels into them.
 */
function moderationExample(tokenizer: Tokenizer, guidelines: string, item: Judged): LabelledExample {
  const question = moderationMessages(guidelines, item.prompt, item.response);
  const example = assistantOnlyLabels(tokenizer, [...question, { role: 'assistant', content: moderationAnswer(item.label) }]);
  const prompt = tokenizer.encode(tokenizer.applyChatTemplate(question, { addGenerationPrompt: true }), { addSpecialTokens: false });
  const first = example.labels.findIndex((l) => l !== IGNORE_INDEX);
  if (first !== prompt.length || prompt.some((id, i) => example.input_ids[i] !== id)) {
    throw new WgmlError(`${GUIDELINES}: the learned answer does not start right after the moderation prompt (does the text quote "${moderationAnswer('safe')}" or "${moderationAnswer('unsafe')}" verbatim?)`);
  }
  return example;
}

async function main(): Promise<void> {
  const tokenizerDir = join(ROOT, 'models', 'tokenizer');
  const files = await readByteTokenizer(tokenizerDir);
  const tokenizer = await loadTokenizer(tokenizerDir);
  const guidelines = await readGuidelines(join(ROOT, GUIDELINES));
  const records = await readJsonl<SafetyRecord>(join(ROOT, PROMPTS));
  const train = judgedPairs(records.filter((r) => r.split === 'train'));
  const test = judgedPairs(records.filter((r) => r.split !== 'train'));
  const docs = train.map((item) => moderationExample(tokenizer, guidelines, item));
  const spec = SAFEGUARD_SPEC;
  const out = join(ROOT, 'models', spec.name);
  await rm(out, { recursive: true, force: true });
  const device = await createDevice();
  try {
    const longest = Math.max(...docs.map((d) => d.input_ids.length));
    console.log(`training ${spec.name} on ${docs.length} moderation chats (up to ${longest} tokens)`);
    const result = await pretrain(device, spec, files, tokenizer.vocabSize, docs, out, (line) => console.log(`  ${line}`));
    const guard = await loadSafeguard(out, { device });
    const verdicts = await guard.classify(test, guidelines, { batchSize: 8, onProgress: (done, total) => console.log(`  judged ${done}/${total}`) });
    guard.dispose();
    const correct = verdicts.filter((v, i) => v.label === test[i]!.label).length;
    const meanScore = (label: SafetyLabel) => mean(verdicts.filter((_, i) => test[i]!.label === label).map((v) => v.score));
    const accuracy = `${((100 * correct) / test.length).toFixed(1)}% (${correct}/${test.length}; mean P(unsafe) ${meanScore('unsafe').toFixed(3)} on unsafe responses, ${meanScore('safe').toFixed(3)} on safe ones)`;
    await writeModelCard(result, spec, {
      about: `A tiny safeguard classifier made by wgml for its tests and recipes: given ${GUIDELINES} (verbatim), a user prompt and an assistant response in one user turn, it answers \`Safety: Safe\` or \`Safety: Unsafe\`; run it with \`loadSafeguard\` from src/eval/safeguard.ts. It knows only the templated data it was trained on — not a useful guard.`,
      data: `the ${train.length / 2} train prompts of ${PROMPTS}, each with its safe response (→ Safe) and its unsafe one (→ Unsafe): ${docs.length} moderation chats, loss on the answer only; tokenizer models/tokenizer`,
      accuracyName: 'held-out accuracy',
      accuracy: `${accuracy}, on the ${test.length / 2} test prompts × 2 responses`,
      command: 'npm run make:safeguard',
    });
    console.log(`${spec.name}: ${result.params} parameters, ${result.seconds.toFixed(0)} s, loss ${result.firstLoss.toFixed(3)} → ${result.finalLoss.toFixed(3)}, held-out accuracy ${accuracy}`);
  } finally {
    device.destroy();
  }
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
