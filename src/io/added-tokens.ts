// New special tokens for an HF model directory: appended to tokenizer.json's added_tokens and
// tokenizer_config.json's added_tokens_decoder (as `tokenizer.add_special_tokens` does), and the
// embedding (and an untied lm_head) grown with new rows equal to the mean of the existing token
// rows (as `resize_token_embeddings(..., mean_resizing=True)` does). The result is a new directory.
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { openSafetensors, SINGLE_FILE, writeSafetensors, type TensorToWrite } from './safetensors.js';

type Json = Record<string, unknown>;

interface AddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export interface AddedTokensResult {
  /** The new tokens' ids, in the order given. */
  ids: Record<string, number>;
  /** Ids the tokenizer had before (one past its largest id). */
  oldTokenizerSize: number;
  /** config.json vocab_size before and after (rows of embed_tokens). */
  oldVocabSize: number;
  vocabSize: number;
}

const EMBED = 'model.embed_tokens.weight';
const HEAD = 'lm_head.weight';
// Files rewritten here (weights, sharded or not, become one model.safetensors); the rest is copied.
const REWRITTEN = new Set(['tokenizer.json', 'tokenizer_config.json', 'config.json']);
const isWeights = (name: string) => name.endsWith('.safetensors') || name.endsWith('.safetensors.index.json');

async function readJson(file: string): Promise<Json> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError(`${file}: cannot read (${e.code ?? e.message})`);
  });
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${file}: expected a JSON object`);
  return parsed as Json;
}

/** Every id the tokenizer knows by its text: BPE vocab plus added tokens. */
function knownTokens(tokenizer: Json, file: string): Map<string, number> {
  const model = tokenizer.model as { vocab?: Record<string, number> } | undefined;
  if (!model?.vocab) throw new ConfigError(`${file}: model.vocab missing; only BPE tokenizer.json files are supported`);
  const known = new Map(Object.entries(model.vocab));
  for (const t of (tokenizer.added_tokens ?? []) as AddedToken[]) known.set(t.content, t.id);
  return known;
}

/**
 * tokenizer.json and tokenizer_config.json with `tokens` added as special tokens, new ids from
 * one past the largest existing id. A token the tokenizer already has is an error.
 */
export function addSpecialTokens(tokenizer: Json, tokenizerConfig: Json, tokens: readonly string[], dir: string) {
  const file = join(dir, 'tokenizer.json');
  const known = knownTokens(tokenizer, file);
  // A loop, not Math.max(...): spreading 151k ids overflows the stack.
  let oldTokenizerSize = 0;
  for (const id of known.values()) oldTokenizerSize = Math.max(oldTokenizerSize, id + 1);
  const ids: Record<string, number> = {};
  const added: AddedToken[] = [];
  for (const content of tokens) {
    if (known.has(content) || content in ids) throw new ConfigError(`${file}: token ${JSON.stringify(content)} already exists (id ${known.get(content) ?? ids[content]}); remove it from tokens.add`);
    ids[content] = oldTokenizerSize + added.length;
    added.push({ id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  }
  const decoder = { ...((tokenizerConfig.added_tokens_decoder ?? {}) as Json) };
  for (const { id, ...rest } of added) decoder[String(id)] = rest;
  const extra = (tokenizerConfig.additional_special_tokens ?? []) as string[];
  return {
    ids,
    oldTokenizerSize,
    tokenizer: { ...tokenizer, added_tokens: [...((tokenizer.added_tokens ?? []) as AddedToken[]), ...added] },
    tokenizerConfig: { ...tokenizerConfig, added_tokens_decoder: decoder, additional_special_tokens: [...extra, ...tokens] },
  };
}

/**
 * `rows` × C grown to `vocab` rows; the rows at `newIds` get the mean of the first `realRows` rows
 * (real tokens, not Qwen's padding rows past the tokenizer), every other row is kept.
 */
export function growRows(weight: Float32Array, rows: number, vocab: number, realRows: number, newIds: readonly number[]): Float32Array {
  const c = weight.length / rows;
  const out = new Float32Array(vocab * c);
  out.set(weight.subarray(0, Math.min(rows, vocab) * c));
  const mean = new Float64Array(c);
  for (let r = 0; r < realRows; r++) for (let j = 0; j < c; j++) mean[j]! += weight[r * c + j]!;
  for (const id of newIds) for (let j = 0; j < c; j++) out[id * c + j] = mean[j]! / realRows;
  return out;
}

async function rewriteWeights(src: string, out: string, vocab: number, realRows: number, newIds: readonly number[]): Promise<void> {
  const reader = await openSafetensors(src);
  try {
    const tensors: Record<string, TensorToWrite> = {};
    for (const name of reader.names()) {
      const info = reader.info(name);
      if (name === EMBED || name === HEAD) {
        const rows = info.shape[0]!;
        tensors[name] = { dtype: info.dtype, shape: [vocab, info.shape[1]!], data: growRows(await reader.readF32(name), rows, vocab, realRows, newIds) };
      } else {
        tensors[name] = { dtype: info.dtype, shape: info.shape, data: await reader.read(name) };
      }
    }
    await writeSafetensors(join(out, SINGLE_FILE), tensors, reader.metadata());
  } finally {
    await reader.close();
  }
}

/**
 * Writes `out`: the model in `src` with `tokens` as new special tokens. config.json's vocab_size
 * becomes max(old vocab_size, largest new id + 1): Qwen's embedding already has spare rows past
 * its tokenizer, and new ids that fit there reuse them. A tied lm_head stays tied (only
 * embed_tokens is stored). The weights are written as one model.safetensors.
 */
export async function addTokensToModel(src: string, out: string, tokens: readonly string[]): Promise<AddedTokensResult> {
  if (tokens.length === 0) throw new ConfigError(`tokens.add is empty: name at least one token to add to ${src}`);
  const config = await readJson(join(src, 'config.json'));
  const oldVocabSize = config.vocab_size;
  if (typeof oldVocabSize !== 'number') throw new ConfigError(`${join(src, 'config.json')}: vocab_size missing or not a number`);
  const added = addSpecialTokens(await readJson(join(src, 'tokenizer.json')), await readJson(join(src, 'tokenizer_config.json')), tokens, src);
  const newIds = Object.values(added.ids);
  const vocabSize = Math.max(oldVocabSize, Math.max(...newIds) + 1);
  await mkdir(out, { recursive: true });
  await rewriteWeights(src, out, vocabSize, Math.min(added.oldTokenizerSize, oldVocabSize), newIds);
  for (const entry of await readdir(src, { withFileTypes: true })) {
    if (entry.isFile() && !REWRITTEN.has(entry.name) && !isWeights(entry.name)) await copyFile(join(src, entry.name), join(out, entry.name));
  }
  const json = (x: unknown) => JSON.stringify(x, null, 2) + '\n';
  await writeFileAtomic(join(out, 'tokenizer.json'), json(added.tokenizer));
  await writeFileAtomic(join(out, 'tokenizer_config.json'), json(added.tokenizerConfig));
  await writeFileAtomic(join(out, 'config.json'), json({ ...config, vocab_size: vocabSize }));
  return { ids: added.ids, oldTokenizerSize: added.oldTokenizerSize, oldVocabSize, vocabSize };
}
