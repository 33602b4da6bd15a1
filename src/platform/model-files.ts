// A model directory as the browser sees it (files fetched from a URL, or files the user picked)
// and the Model built from one: the same parsers and construction as Node's loadModel.
import type { Device } from '../gpu/device.js';
import type { ByteSource } from '../io/byte-source.js';
import { parseGenerationConfig, parseQwenConfig } from '../io/config.js';
import { chatTemplateSource } from '../io/chat-template.js';
import { SHARD_INDEX, SINGLE_FILE, SafetensorsReader } from '../io/safetensors-reader.js';
import { buildTokenizer } from '../io/tokenizer.js';
import { chatTemplateOption, modelFromParts, type LoadModelOptions, type Model } from '../model/model.js';
import { ModelFetchError } from './byte-sources.js';

export interface ModelFiles {
  /** The directory's name in messages (a URL ending in '/', or the picked folder's name). */
  readonly dir: string;
  /** A file's text, or null when the directory has no such file. */
  text(name: string): Promise<string | null>;
  /** A file's bytes for random access, or null when absent. */
  open(name: string): Promise<ByteSource | null>;
}

export interface LoadProgress {
  /** Weight bytes read so far, and in all (the safetensors files' sizes). */
  loaded: number;
  total: number;
}

export interface BrowserLoadOptions extends Omit<LoadModelOptions, 'adapter'> {
  /** Called as weight bytes arrive. */
  onProgress?: (progress: LoadProgress) => void;
}

const HF_FILES = 'config.json, tokenizer.json, tokenizer_config.json and model.safetensors (or model.safetensors.index.json with its shards)';

function notAModelDir(files: ModelFiles, why: string): ModelFetchError {
  return new ModelFetchError(`${files.dir} is not a HuggingFace model directory: ${why}. Point at the folder that holds ${HF_FILES}`);
}

async function json(files: ModelFiles, name: string, required: boolean): Promise<Record<string, unknown> | null> {
  const text = await files.text(name);
  if (text === null) {
    if (required) throw notAModelDir(files, `${name} was not found`);
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw notAModelDir(files, `${name} is not JSON (it starts ${JSON.stringify(text.slice(0, 40))})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw notAModelDir(files, `${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

async function openWeights(files: ModelFiles): Promise<SafetensorsReader> {
  const single = await files.open(SINGLE_FILE);
  if (single) return SafetensorsReader.fromSource(files.dir + SINGLE_FILE, single);
  const index = await json(files, SHARD_INDEX, false);
  if (!index) throw notAModelDir(files, `neither ${SINGLE_FILE} nor ${SHARD_INDEX} was found`);
  return SafetensorsReader.fromShardIndex(files.dir, files.dir + SHARD_INDEX, index, async (shard) => {
    const source = await files.open(shard);
    if (!source) throw notAModelDir(files, `${SHARD_INDEX} names the shard ${shard}, which was not found`);
    return source;
  });
}

/** The Model of a directory's files on a device (options.device, else newDevice()). */
export async function modelFromFiles(files: ModelFiles, options: BrowserLoadOptions, newDevice: () => Promise<Device>): Promise<Model> {
  const config = parseQwenConfig(await json(files, 'config.json', true), files.dir + 'config.json');
  const tokenizerJson = (await json(files, 'tokenizer.json', true))!;
  const tokenizerConfig = (await json(files, 'tokenizer_config.json', true))!;
  const generation = parseGenerationConfig((await json(files, 'generation_config.json', false)) ?? {}, files.dir + 'generation_config.json');
  const chatTemplate = chatTemplateOption(options.chatTemplate) ?? chatTemplateSource(await files.text('chat_template.jinja'), files.dir + 'chat_template.jinja', tokenizerConfig, files.dir + 'tokenizer_config.json');
  const tokenizer = buildTokenizer({ tokenizerJson, tokenizerConfig, generation, chatTemplate }, files.dir);
  const reader = await openWeights(files);
  return modelFromParts({ dir: files.dir, config, tokenizer, reader }, options, newDevice);
}
