// loadModel: a HuggingFace Qwen directory on a device, with its tokenizer: the library's front door.
import type { Device } from '../gpu/device.js';
import { createDevice } from '../gpu/device.js';
import { readQwenConfig, type QwenConfig } from '../io/config.js';
import { openSafetensors } from '../io/safetensors.js';
import { loadTokenizer, type Tokenizer } from '../io/tokenizer.js';
import { decodeTokens } from '../generate/decode-loop.js';
import { resolveGenerateOptions, type GenerateOptions } from '../generate/options.js';
import { TextStream } from '../generate/text-stream.js';
import type { ChatMessage, ChatTemplateOptions } from '../io/chat-template.js';
import type { QuantFormat } from '../quant/layouts.js';
import type { QuantizeSpec } from '../quant/quantize.js';
import { QwenModel } from './qwen.js';
import { WeightLoader } from './weights.js';

export interface LoadModelOptions {
  /** Defaults to createDevice(); a device made here is destroyed by Model.dispose(). */
  device?: Device;
  /**
   * Quantize the seven projections of every layer to 4 bits at load ('nf4': bitsandbytes NF4,
   * blocks of 64; 'q4': int4 groups of 32 with f16 scales; or a spec with block size and double
   * quantization). Embeddings, norms and the LM head stay as stored; weights a checkpoint already
   * holds in 4 bits load as they are.
   */
  quantize?: QuantFormat | QuantizeSpec;
}

export class Model {
  constructor(
    readonly dir: string,
    readonly net: QwenModel,
    readonly tokenizer: Tokenizer,
    private readonly ownsDevice: boolean,
  ) {}

  get config(): QwenConfig {
    return this.net.config;
  }

  get device(): Device {
    return this.net.device;
  }

  /** Logits at every position: (ids.length, vocab) row-major. */
  logits(ids: readonly number[]): Promise<Float32Array> {
    return this.net.logits(ids);
  }

  /** Completions of several prompts at once (ragged lengths; each stops on its own). */
  async generateBatch(prompts: readonly string[], options: GenerateOptions = {}): Promise<string[]> {
    const texts = prompts.map(() => '');
    for await (const { sequence, text } of this.streamBatch(prompts, options)) texts[sequence] += text;
    return texts;
  }

  async generate(prompt: string, options: GenerateOptions = {}): Promise<string> {
    return (await this.generateBatch([prompt], options))[0]!;
  }

  /** Text deltas of one completion as they are decoded. */
  async *stream(prompt: string, options: GenerateOptions = {}): AsyncGenerator<string> {
    for await (const { text } of this.streamBatch([prompt], options)) yield text;
  }

  /** Text deltas tagged with their prompt's index; stop strings are cut, EOS ends a sequence. */
  async *streamBatch(prompts: readonly string[], options: GenerateOptions = {}): AsyncGenerator<{ sequence: number; text: string }> {
    const o = resolveGenerateOptions(options);
    const streams = prompts.map(() => new TextStream(this.tokenizer, o.stop));
    const ids = prompts.map((p) => this.tokenizer.encode(p));
    const stopIds = o.stopTokenIds ?? this.tokenizer.eosTokenIds;
    const isStopped = (b: number) => streams[b]!.stopped;
    for await (const { sequence, token } of decodeTokens(this.net, ids, o, stopIds, isStopped)) {
      const text = stopIds.includes(token) ? '' : streams[sequence]!.push(token);
      if (text) yield { sequence, text };
    }
    for (let b = 0; b < prompts.length; b++) {
      const rest = streams[b]!.flush();
      if (rest) yield { sequence: b, text: rest };
    }
  }

  /** Token ids generated for each prompt (stop ids included when they end a sequence). */
  async generateIds(prompts: readonly (readonly number[])[], options: GenerateOptions = {}): Promise<number[][]> {
    const o = resolveGenerateOptions(options);
    const out = prompts.map((): number[] => []);
    for await (const { sequence, token } of decodeTokens(this.net, prompts, o, o.stopTokenIds ?? this.tokenizer.eosTokenIds)) out[sequence]!.push(token);
    return out;
  }

  /** The chat template with a generation prompt, then generate. */
  chatPrompt(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    return this.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, ...options });
  }

  dispose(): void {
    this.net.dispose();
    if (this.ownsDevice) this.device.destroy();
  }
}

export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<Model> {
  const config = await readQwenConfig(dir);
  const tokenizer = await loadTokenizer(dir);
  const device = options.device ?? (await createDevice());
  const reader = await openSafetensors(dir);
  try {
    const quantize = typeof options.quantize === 'string' ? { format: options.quantize } : options.quantize;
    const net = await QwenModel.load(device, config, new WeightLoader(device, reader, quantize));
    return new Model(dir, net, tokenizer, options.device === undefined);
  } catch (error) {
    if (!options.device) device.destroy();
    throw error;
  } finally {
    await reader.close();
  }
}
