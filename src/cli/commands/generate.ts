// `wgml generate` (one completion, streamed) and `wgml chat` (an interactive conversation).
import { createInterface } from 'node:readline/promises';
import type { ChatMessage } from '../../io/chat-template.js';
import type { GenerateOptions } from '../../engine/options.js';
import type { Model } from '../../model/model.js';
import { ConfigError } from '../../errors.js';

async function streamTo(out: NodeJS.WritableStream, chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const delta of chunks) {
    out.write(delta);
    text += delta;
  }
  return text;
}

/** The CLI does not cap --max-tokens silently, as the library's generate (like HF's) does. */
function checkContext(model: Model, text: string, options: GenerateOptions): void {
  const promptTokens = model.tokenizer.encode(text).length;
  const max = options.maxNewTokens ?? 128;
  const limit = model.engine.plan.slotTokens;
  if (promptTokens + max > limit) throw new ConfigError(`--max-tokens ${max}: the prompt has ${promptTokens} tokens, and ${promptTokens} + ${max} > ${limit}, the model's context; lower --max-tokens to at most ${Math.max(0, limit - promptTokens)}`);
}

export async function runGenerate(model: Model, prompt: string, chat: boolean, options: GenerateOptions, enableThinking?: boolean): Promise<void> {
  const text = chat ? model.chatPrompt([{ role: 'user', content: prompt }], { enableThinking }) : prompt;
  checkContext(model, text, options);
  const started = performance.now();
  const reply = await streamTo(process.stdout, model.stream(text, options));
  const seconds = (performance.now() - started) / 1000;
  const tokens = model.tokenizer.encode(reply).length;
  process.stdout.write('\n');
  console.error(`[${tokens} tokens in ${seconds.toFixed(2)} s, ${(tokens / seconds).toFixed(1)} tokens/s]`);
}

/** Reads user turns from stdin until EOF or /exit, answering each with the whole conversation as context. */
export async function runChat(model: Model, options: GenerateOptions, system?: string, enableThinking?: boolean): Promise<void> {
  const messages: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
  // Iterating the interface buffers lines that arrive while a reply is being generated (piped input).
  const rl = createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
  console.error('chat: type a message, /reset to forget, /exit or Ctrl-D to quit');
  process.stdout.write('> ');
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '/exit') break;
      if (line === '/reset') messages.splice(system ? 1 : 0);
      else if (line) {
        messages.push({ role: 'user', content: line });
        const reply = await streamTo(process.stdout, model.stream(model.chatPrompt(messages, { enableThinking }), options));
        messages.push({ role: 'assistant', content: reply });
        process.stdout.write('\n');
      }
      process.stdout.write('> ');
    }
  } finally {
    rl.close();
  }
}
