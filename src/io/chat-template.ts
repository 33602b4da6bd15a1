// Chat templates rendered the way transformers' `apply_chat_template` renders them, so a
// prompt built here tokenizes to exactly the ids the model was fine-tuned on.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { ConfigError } from '../errors.js';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
  /** Qwen3: the thinking part of an earlier assistant turn, rendered inside <think>. */
  readonly reasoning_content?: string;
  readonly tool_calls?: readonly unknown[];
}

export interface ChatTemplateOptions {
  /** Append the assistant turn opener so the model answers next. */
  readonly addGenerationPrompt?: boolean;
  /** Qwen3: false pre-fills an empty <think></think> block; left out, the template's default applies. */
  readonly enableThinking?: boolean;
  /** JSON-schema function descriptions, rendered by templates that support tools. */
  readonly tools?: readonly unknown[];
}

// transformers passes every special token the tokenizer has set (SPECIAL_TOKENS_ATTRIBUTES)
// to the template by these names.
const SPECIAL_TOKEN_KEYS = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
  'additional_special_tokens',
] as const;

export class ChatTemplate {
  private readonly template: Template;
  private readonly specialTokens: Readonly<Record<string, unknown>>;

  /**
   * `tokenizerConfig` is tokenizer_config.json, source of the special-token variables. The
   * template is rendered once on the simplest conversation here, so a broken one fails when
   * the model loads rather than at its first prompt.
   */
  constructor(source: string, tokenizerConfig: Readonly<Record<string, unknown>>, readonly file: string) {
    try {
      this.template = new Template(source);
    } catch (err) {
      throw new ConfigError(`${file}: chat_template does not parse (${(err as Error).message})`);
    }
    this.specialTokens = specialTokenVariables(tokenizerConfig);
    this.render([{ role: 'user', content: 'hello' }], { addGenerationPrompt: true });
  }

  render(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    const variables: Record<string, unknown> = {
      ...this.specialTokens,
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? false,
    };
    // Templates test `enable_thinking is defined` and `if tools`: pass them only when given,
    // as transformers does with its keyword arguments.
    if (options.enableThinking !== undefined) variables.enable_thinking = options.enableThinking;
    if (options.tools !== undefined) variables.tools = options.tools;
    try {
      return this.template.render(variables);
    } catch (err) {
      const roles = messages.map((m) => m.role).join(', ');
      throw new ConfigError(`${this.file}: chat_template failed to render [${roles}] (${(err as Error).message}); fix the template or the conversation`);
    }
  }
}

/**
 * The chat template of a model dir: chat_template.jinja when present (transformers ≥ 4.43
 * saves it there and prefers it), else tokenizer_config.json's chat_template, which is a
 * string or a list of named templates of which "default" is used. Null when there is none.
 */
export async function findChatTemplateSource(
  dir: string,
  tokenizerConfig: Readonly<Record<string, unknown>>,
): Promise<{ source: string; file: string } | null> {
  const jinjaFile = join(dir, 'chat_template.jinja');
  const jinja = await readFile(jinjaFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  return chatTemplateSource(jinja, jinjaFile, tokenizerConfig, join(dir, 'tokenizer_config.json'));
}

/** findChatTemplateSource over contents already read: chat_template.jinja's text (null when absent) wins. */
export function chatTemplateSource(
  jinja: string | null,
  jinjaFile: string,
  tokenizerConfig: Readonly<Record<string, unknown>>,
  configFile: string,
): { source: string; file: string } | null {
  if (jinja !== null) return { source: jinja, file: jinjaFile };
  const source = templateFromConfig(tokenizerConfig.chat_template, configFile);
  return source === null ? null : { source, file: configFile };
}

function templateFromConfig(value: unknown, file: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.find((t: { name?: unknown }) => t?.name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return named.template;
  }
  throw new ConfigError(`${file}: chat_template must be a string or a list of {name, template} with a "default" entry`);
}

// tokenizer_config.json writes a token either as its text or as an AddedToken object.
function specialTokenVariables(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const value = config[key];
    if (value === undefined || value === null) continue;
    variables[key] = Array.isArray(value) ? value.map(tokenContent) : tokenContent(value);
  }
  return variables;
}

export function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  const content = (value as { content?: unknown } | null)?.content;
  return typeof content === 'string' ? content : null;
}
