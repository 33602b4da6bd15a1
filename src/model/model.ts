// loadModel: a HuggingFace Qwen directory on a device, with its tokenizer: the library's front door.
import { GradSink } from '../nn/grads.js';
import type { Device } from '../gpu/device.js';
import { createDevice } from '../platform/node.js';
import { readQwenConfig, type QwenConfig } from '../io/config.js';
import { openSafetensors, type SafetensorsReader } from '../io/safetensors.js';
import { readPeftAdapter, writePeftAdapter, type PeftAdapter } from '../io/peft.js';
import { loadTokenizer, type Tokenizer } from '../io/tokenizer.js';
import { Engine } from '../engine/engine.js';
import { mergeStreams } from '../engine/merge.js';
import { generateRequest, resolveGenerateOptions, type GenerateOptions, type ResolvedGenerateOptions, type ResponseFormatOption } from '../engine/options.js';
import type { EngineEvent } from '../engine/sequence.js';
import type { ChatMessage, ChatTemplateOptions } from '../io/chat-template.js';
import type { QuantFormat } from '../quant/layouts.js';
import type { QuantizeSpec } from '../quant/quantize.js';
import { causalLmStep } from '../train/causal-lm.js';
import { padBatch } from '../train/batches.js';
import type { Tensor } from '../tensor/tensor.js';
import { LoraAdapter, LoraConfigSchema, type LoraConfig } from '../nn/lora-adapter.js';
import { QwenModel } from '../nn/qwen.js';
import { saveModel } from './save-model.js';
import { checkLayerCount } from '../nn/stored-layers.js';
import { UndoableWeightLoader } from '../nn/undoable-loader.js';

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
  /** A PEFT LoRA adapter directory to load on top. */
  adapter?: string;
  /** A Jinja chat template used instead of the model's own (vLLM's --chat-template); with `file`, errors name it. */
  chatTemplate?: string | { source: string; file: string };
  /** 'f32' upcasts every weight, as full-parameter training needs; default: as stored. */
  dtype?: 'f32';
}

/** One sequence, or a batch of sequences (ragged: right-padded here); labels −100 are not learned. */
export interface LossInput {
  input_ids: readonly number[] | readonly (readonly number[])[];
  labels: readonly number[] | readonly (readonly number[])[];
}

/** A prompt with its own response format (each eval item its own JSON schema); a plain string takes options.responseFormat. */
export interface BatchPrompt {
  prompt: string;
  responseFormat?: ResponseFormatOption;
}

const promptText = (p: string | BatchPrompt) => (typeof p === 'string' ? p : p.prompt);
const promptFormat = (p: string | BatchPrompt) => (typeof p === 'string' ? undefined : p.responseFormat);

function rows(x: LossInput['input_ids']): (readonly number[])[] {
  return x.length > 0 && Array.isArray(x[0]) ? (x as (readonly number[])[]) : [x as readonly number[]];
}

export class Model {
  /** The LoRA adapter on the model, if one was added or loaded. */
  adapter: LoraAdapter | null = null;
  private engineInstance: Engine | null = null;

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
    this.syncTokenRows();
    return this.net.logits(ids);
  }

  /** Trained rows of new tokens live beside the tables; inference reads the tables. */
  private syncTokenRows(): void {
    this.adapter?.tokenRows?.sync();
  }

  /** Completions of several prompts at once (ragged lengths; each stops on its own). */
  async generateBatch(prompts: readonly (string | BatchPrompt)[], options: GenerateOptions = {}): Promise<string[]> {
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
  async *streamBatch(prompts: readonly (string | BatchPrompt)[], options: GenerateOptions = {}): AsyncGenerator<{ sequence: number; text: string }> {
    const ids = prompts.map((p) => this.tokenizer.encode(promptText(p)));
    for await (const { index, event } of this.events(ids, resolveGenerateOptions(options), prompts.map(promptFormat))) if (event.text) yield { sequence: index, text: event.text };
  }

  /** Token ids generated for each prompt (stop ids included when they end a sequence). */
  async generateIds(prompts: readonly (readonly number[])[], options: GenerateOptions = {}): Promise<number[][]> {
    const out = prompts.map((): number[] => []);
    for await (const { index, event } of this.events(prompts, resolveGenerateOptions(options))) if (event.token !== undefined) out[index]!.push(event.token);
    return out;
  }

  /** Next-token logits after each prompt, (B,V) row-major, from a prefill (classifiers read these). */
  lastLogits(prompts: readonly (readonly number[])[]): Promise<Float32Array> {
    this.syncTokenRows();
    prompts.forEach((p, i) => this.checkPrompt(p, i));
    return this.engine.lastLogits(prompts);
  }

  /** The model's engine, made on first use: every generation goes through it. */
  get engine(): Engine {
    this.engineInstance ??= new Engine(this);
    return this.engineInstance;
  }

  /** Each prompt as an engine request (prompt b seeded seed + b), max new tokens capped to the context as HF's generate does. */
  private events(prompts: readonly (readonly number[])[], o: ResolvedGenerateOptions, formats: readonly (ResponseFormatOption | undefined)[] = []): AsyncGenerator<{ index: number; event: EngineEvent }> {
    this.syncTokenRows();
    if (prompts.length === 0) throw new RangeError('generate: no prompts');
    const room = this.engine.plan.slotTokens;
    const streams: AsyncIterableIterator<EngineEvent>[] = [];
    try {
      prompts.forEach((p, i) => {
        this.checkPrompt(p, i);
        streams.push(this.engine.submit(generateRequest(p, { ...o, maxNewTokens: Math.min(o.maxNewTokens, room - p.length) }, i, formats[i])));
      });
    } catch (error) {
      // A bad prompt or schema later in the batch cancels the requests already queued.
      for (const s of streams) void s.return?.();
      throw error;
    }
    return mergeStreams(streams);
  }

  private checkPrompt(p: readonly number[], i: number): void {
    const max = this.engine.plan.slotTokens;
    if (p.length === 0) throw new RangeError(`generate: prompt ${i} is empty`);
    if (p.length >= max) throw new RangeError(`generate: prompt ${i} has ${p.length} tokens; the model's context (max_position_embeddings, or the engine's slot size) is ${max}`);
  }

  /** The chat template with a generation prompt, then generate. */
  chatPrompt(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    return this.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, ...options });
  }

  /** Wraps the targeted projections in a fresh LoRA adapter (PEFT's init, so outputs are unchanged). */
  addLora(config: Partial<LoraConfig> = {}, seed = 0): LoraAdapter {
    if (this.adapter) throw new Error('the model already carries a LoRA adapter');
    this.adapter = LoraAdapter.attach(this.net, LoraConfigSchema.parse(config), seed);
    return this.adapter;
  }

  /** HF's causal-LM loss (mean over unmasked labels after the shift) and its gradients by PEFT tensor name. */
  async lossAndGrads(input: LossInput): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
    if (!this.adapter) throw new Error('lossAndGrads needs trainable tensors: call model.addLora() or load an adapter');
    const ids = rows(input.input_ids);
    const labels = rows(input.labels);
    if (ids.length !== labels.length) throw new RangeError(`lossAndGrads: ${ids.length} input rows but ${labels.length} label rows`);
    const batch = padBatch(ids.map((row, i) => ({ input_ids: [...row], labels: [...labels[i]!] })), this.tokenizer.padTokenId ?? 0);
    const grads = new Map<string, Tensor>();
    const sum = await causalLmStep(this.net, batch, { grads: new GradSink(new Map(), grads), scale: 1 / batch.counted, tokenRows: this.adapter.tokenRows });
    const out = new Map<string, Float32Array>();
    for (const [name, g] of grads) {
      out.set(name, await g.readFloat());
      g.dispose();
    }
    return { loss: sum / batch.counted, grads: out };
  }

  /** The adapter in PEFT's format (adapter_config.json + adapter_model.safetensors). */
  async saveAdapter(dir: string): Promise<void> {
    if (!this.adapter) throw new Error('saveAdapter: the model carries no LoRA adapter');
    const { config, tensors } = await this.adapter.peft(this.dir);
    await writePeftAdapter(dir, config, tensors);
  }

  /** A PEFT adapter directory for this model's layers (the engine's adapters come through here). */
  readAdapter(dir: string): Promise<PeftAdapter> {
    return readPeftAdapter(dir, this.net.config.numLayers);
  }

  /** This model as a HuggingFace directory (weights as they are now; merge an adapter first to include it). */
  async save(dir: string, dtype: 'BF16' | 'F32' = 'BF16'): Promise<void> {
    await saveModel(this, dir, dtype);
  }

  /** Folds the adapter into the (unquantized) base weights. */
  async mergeAdapter(): Promise<void> {
    await this.adapter?.merge();
    this.adapter = null;
  }

  dispose(): void {
    this.engineInstance?.dispose();
    this.adapter?.detach();
    this.net.dispose();
    if (this.ownsDevice) this.device.destroy();
  }
}

/** A model directory's parts, read and opened: what a Model is built from on every platform. */
export interface ModelParts {
  /** The directory (or URL) the parts came from; adapters name it as their base model. */
  readonly dir: string;
  readonly config: QwenConfig;
  readonly tokenizer: Tokenizer;
  readonly reader: SafetensorsReader;
}

/** The chatTemplate option as the tokenizer takes it (its source and the name errors give it). */
export function chatTemplateOption(t: LoadModelOptions['chatTemplate']): { source: string; file: string } | undefined {
  return typeof t === 'string' ? { source: t, file: 'the chatTemplate option' } : t;
}

export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<Model> {
  const config = await readQwenConfig(dir);
  const tokenizer = await loadTokenizer(dir, { allowMissing: { vocabSize: config.vocabSize }, chatTemplate: chatTemplateOption(options.chatTemplate) });
  // Opened before a device is made, so a bad checkpoint leaves no device behind.
  const reader = await openSafetensors(dir);
  return modelFromParts({ dir, config, tokenizer, reader }, options, createDevice);
}

/** The Model on options.device (else one from newDevice); the reader is closed whatever happens. */
export async function modelFromParts(parts: ModelParts, options: LoadModelOptions, newDevice: () => Promise<Device>): Promise<Model> {
  const { dir, config, tokenizer, reader } = parts;
  const device = await Promise.resolve()
    .then(() => checkLayerCount(reader, config, dir))
    .then(() => options.device ?? newDevice())
    .catch(async (error: unknown) => {
      await reader.close();
      throw error;
    });
  const quantize = typeof options.quantize === 'string' ? { format: options.quantize } : options.quantize;
  const loader = new UndoableWeightLoader(device, reader, quantize, options.dtype === 'f32');
  let net: QwenModel | undefined;
  try {
    net = await QwenModel.load(device, config, loader);
    const model = new Model(dir, net, tokenizer, options.device === undefined);
    if (options.adapter) model.adapter = LoraAdapter.fromPeft(net, await model.readAdapter(options.adapter), options.adapter);
    return model;
  } catch (error) {
    // A failure anywhere gives the caller's device back every byte this call took: the
    // net's tensors (some replaced since loading) and those of a net that never finished.
    net?.dispose();
    loader.disposeLoaded();
    if (!options.device) device.destroy();
    throw error;
  } finally {
    await reader.close();
  }
}
