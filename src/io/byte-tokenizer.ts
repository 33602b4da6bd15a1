// A byte-level BPE tokenizer in HF tokenizer.json form with Qwen's chat special tokens and a
// ChatML template: every byte is a token, so any text round-trips with no trained merges.
// Random test models and the shipped tiny tokenizer (which adds trained merges) build on it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { byteToUnicode } from './byte-map.js';

export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

export const QWEN_SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export interface ByteTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Id of each special token, in QWEN_SPECIAL_TOKENS order. */
  specialIds: number[];
}

/** The tokenizer files of a directory written by byteLevelTokenizer (e.g. after training merges). */
export async function readByteTokenizer(dir: string): Promise<ByteTokenizerFiles> {
  const tokenizerJson = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  const tokenizerConfig = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const added = (tokenizerJson['added_tokens'] ?? []) as { id: number; content: string }[];
  const specialIds = QWEN_SPECIAL_TOKENS.map((t) => {
    const found = added.find((a) => a.content === t);
    if (!found) throw new ConfigError(`${join(dir, 'tokenizer.json')}: no added token ${t}`);
    return found.id;
  });
  return { tokenizerJson, tokenizerConfig, specialIds };
}

/** tokenizer.json + tokenizer_config.json; `merges` are pairs of vocabulary strings, applied in order. */
export function byteLevelTokenizer(merges: readonly [string, string][] = []): ByteTokenizerFiles {
  const vocab: Record<string, number> = {};
  for (const ch of byteToUnicode()) vocab[ch] = Object.keys(vocab).length;
  for (const [a, b] of merges) vocab[a + b] ??= Object.keys(vocab).length;
  const firstSpecial = Object.keys(vocab).length;
  const specialIds = QWEN_SPECIAL_TOKENS.map((_, i) => firstSpecial + i);
  const addedTokens = QWEN_SPECIAL_TOKENS.map((content, i) => ({
    id: specialIds[i],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => [a, b]),
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'Qwen2Tokenizer',
    model_max_length: 32768,
    bos_token: null,
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    unk_token: null,
    errors: 'replace',
    add_prefix_space: false,
    // As Qwen's: the HF default (true) rewrites " ." and " !=" on decode, so text would not round-trip.
    clean_up_tokenization_spaces: false,
    chat_template: CHATML_TEMPLATE,
    added_tokens_decoder: Object.fromEntries(addedTokens.map(({ id, ...t }) => [String(id), t])),
  };
  return { tokenizerJson, tokenizerConfig, specialIds };
}
