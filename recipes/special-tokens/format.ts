// What training and evaluation render after the user turn. Thinking on: the teacher's reply as it
// is (`<think>…</think>\n<|AGENT|>…`), and evaluation opens a thinking block for the model to
// fill. Thinking off (Qwen3's non-thinking mode): the thinking is replaced by the empty block that
// Qwen3's chat template renders with enable_thinking=False, which is also the end of the
// generation prompt, so the first token the model generates is the choice itself.
import type { Tokenizer } from '../../src/io/tokenizer.js';
import { type Instruction, userText } from './instructions.js';

/** Qwen3's generation prompt with enable_thinking=False ends with exactly this. */
export const EMPTY_THINK = '<think>\n\n</think>\n\n';
const THINK_END = '</think>';

/** The assistant turn trained on: the reply, or with thinking off its part after `</think>` behind the empty block. */
export function trainingReply(output: string, thinking: boolean): string {
  if (thinking) return output;
  const end = output.indexOf(THINK_END);
  const answer = end < 0 ? output : output.slice(end + THINK_END.length);
  return `${EMPTY_THINK}${answer.replace(/^\s+/, '')}`;
}

/**
 * The prompt the model answers: the chat turn's generation prompt, then the opened thinking block
 * (thinking on) or the empty one (off). A template that renders enable_thinking (real Qwen3's)
 * writes the empty block itself; one that does not (the shipped tiny model's) gets it appended, so
 * both give the same text.
 */
export function generationPrompt(tokenizer: Tokenizer, i: Pick<Instruction, 'instruction' | 'input'>, thinking: boolean): string {
  const messages = [{ role: 'user' as const, content: userText(i) }];
  if (thinking) return `${tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true })}<think>\n`;
  const prompt = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, enableThinking: false });
  return prompt.endsWith(EMPTY_THINK) ? prompt : `${prompt}${EMPTY_THINK}`;
}
