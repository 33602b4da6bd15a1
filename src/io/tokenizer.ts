// The tokenizer of an HF model dir (tokenizer.json + tokenizer_config.json), with its chat
// template and the ids that end a generation.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { ConfigError } from '../errors.js';
import { type ChatMessage, ChatTemplate, type ChatTemplateOptions, findChatTemplateSource, tokenContent } from './chat-template.js';
import { type GenerationConfig, readGenerationConfig, readJsonFile } from './config.js';

export interface EncodeOptions {
  /** Let the tokenizer's post-processor add its special tokens (none for Qwen). Default true, as in HF. */
  readonly addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  readonly skipSpecialTokens?: boolean;
}

export class Tokenizer {
  constructor(
    /** null: the directory has no tokenizer.json; ids work, text is an error (see loadTokenizer). */
    private readonly hf: HfTokenizer | null,
    /** One more than the largest id, added tokens included: every id is below it. */
    readonly vocabSize: number,
    /** Ids that end a generation: generation_config.json's eos_token_id, then the tokenizer's eos_token. */
    readonly eosTokenIds: readonly number[],
    readonly padTokenId: number | null,
    private readonly chatTemplate: ChatTemplate | null,
    private readonly dir: string,
  ) {}

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.need().encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    return this.need().decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  tokenToId(token: string): number | undefined {
    return this.need().token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.need().id_to_token(id);
  }

  /** Added tokens by id; special ones are control tokens rather than text (constrained decoding skips them). */
  addedTokens(): ReadonlyMap<number, { readonly content: string; readonly special: boolean }> {
    return this.need().get_added_tokens_decoder();
  }

  private need(): HfTokenizer {
    if (!this.hf) throw new ConfigError(`${join(this.dir, 'tokenizer.json')}: missing; this model was loaded without a tokenizer, so only token ids work (logits, lossAndGrads). Add the tokenizer files to turn text into ids`);
    return this.hf;
  }

  get hasChatTemplate(): boolean {
    return this.chatTemplate !== null;
  }

  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (!this.chatTemplate) {
      throw new ConfigError(`${this.dir}: no chat template (tokenizer_config.json has no chat_template and there is no chat_template.jinja); use plain prompts`);
    }
    return this.chatTemplate.render(messages, options);
  }
}

export interface LoadTokenizerOptions {
  /**
   * A directory without tokenizer.json then gives a tokenizer whose text methods throw, as HF's
   * AutoModel loads weights without one; `vocabSize` comes from the model's config.
   */
  readonly allowMissing?: { readonly vocabSize: number };
  /** A chat template (its Jinja source, and what to call it in errors) used instead of the directory's. */
  readonly chatTemplate?: { readonly source: string; readonly file: string };
}

export async function loadTokenizer(dir: string, options: LoadTokenizerOptions = {}): Promise<Tokenizer> {
  if (options.allowMissing && !(await stat(join(dir, 'tokenizer.json')).then((s) => s.isFile(), () => false))) {
    const generation = await readGenerationConfig(dir);
    return new Tokenizer(null, options.allowMissing.vocabSize, generation.eosTokenIds, generation.padTokenId ?? null, null, dir);
  }
  const tokenizerJson = await readJsonObject(join(dir, 'tokenizer.json'));
  const tokenizerConfig = await readJsonObject(join(dir, 'tokenizer_config.json'));
  const generation = await readGenerationConfig(dir);
  const chatTemplate = options.chatTemplate ?? (await findChatTemplateSource(dir, tokenizerConfig));
  return buildTokenizer({ tokenizerJson, tokenizerConfig, generation, chatTemplate }, dir);
}

/** The files of an HF model dir that make its tokenizer, already read (the browser fetches them). */
export interface TokenizerFiles {
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly generation: GenerationConfig;
  /** The chat template's source and the file it came from (see chatTemplateSource), or null. */
  readonly chatTemplate: { readonly source: string; readonly file: string } | null;
}

/** A tokenizer from its files' contents; `dir` names the model dir in errors. */
export function buildTokenizer(files: TokenizerFiles, dir: string): Tokenizer {
  const { tokenizerConfig, generation, chatTemplate: templateSource } = files;
  const hf = buildHfTokenizer(files.tokenizerJson, tokenizerConfig, dir);
  const chatTemplate = templateSource && new ChatTemplate(templateSource.source, tokenizerConfig, templateSource.file);
  return new Tokenizer(
    hf,
    vocabSize(hf),
    eosIds(generation.eosTokenIds, tokenId(hf, tokenizerConfig.eos_token)),
    generation.padTokenId ?? tokenId(hf, tokenizerConfig.pad_token),
    chatTemplate,
    dir,
  );
}

function buildHfTokenizer(tokenizerJson: object, tokenizerConfig: object, dir: string): HfTokenizer {
  try {
    return new HfTokenizer(tokenizerJson, tokenizerConfig);
  } catch (err) {
    throw new ConfigError(`${join(dir, 'tokenizer.json')}: cannot build the tokenizer (${(err as Error).message})`);
  }
}

function vocabSize(hf: HfTokenizer): number {
  let maxId = -1;
  for (const id of hf.get_vocab(true).values()) maxId = Math.max(maxId, id);
  return maxId + 1;
}

function tokenId(hf: HfTokenizer, token: unknown): number | null {
  const content = tokenContent(token);
  return content === null ? null : (hf.token_to_id(content) ?? null);
}

function eosIds(fromGenerationConfig: readonly number[], fromTokenizer: number | null): number[] {
  const ids = [...fromGenerationConfig];
  if (fromTokenizer !== null && !ids.includes(fromTokenizer)) ids.push(fromTokenizer);
  return ids;
}

async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  const json = await readJsonFile(file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`${file}: expected a JSON object`);
  return json as Record<string, unknown>;
}
