// The demo page (src/web/index.html): load a model with a progress bar, chat with streaming output,
// fine-tune a LoRA adapter on pasted or uploaded JSONL with a live loss curve, switch it on and
// off, download it as PEFT files. Everything it runs comes from the wgml/browser bundle.
import type { ChatMessage } from '../io/chat-template.js';
import type { LoraConfig } from '../nn/lora-adapter.js';
import { adapterFiles, clearModelCache, examplesFromJsonl, loadModel, loadModelFromFiles, trainLoraSteps, type BrowserLoadOptions, type Model } from '../platform/browser.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let model: Model | null = null;
const history: ChatMessage[] = [];
/** The adapter while it is switched off: its config and trained tensors. */
let parked: { config: LoraConfig; tensors: Map<string, Float32Array> } | null = null;
const losses: number[] = [];

function showError(error: unknown): void {
  $('error').textContent = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(error);
}

/** Runs a handler with the page's buttons off, showing its error. */
async function busy(run: () => Promise<void>): Promise<void> {
  $('error').textContent = '';
  const buttons = Array.from(document.querySelectorAll('button'));
  buttons.forEach((b) => (b.disabled = true));
  try {
    await run();
  } catch (error) {
    showError(error);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    enableFor(model !== null);
  }
}

function enableFor(loaded: boolean): void {
  for (const id of ['send-button', 'train-button']) $<HTMLButtonElement>(id).disabled = !loaded;
  const hasAdapter = loaded && (model!.adapter !== null || parked !== null);
  $<HTMLButtonElement>('export-button').disabled = !hasAdapter;
  $<HTMLInputElement>('adapter-on').disabled = !hasAdapter;
  $<HTMLInputElement>('adapter-on').checked = loaded && model!.adapter !== null;
}

/** Loads from the URL field, or from `picked` files; the progress bar follows the weight bytes. */
async function load(picked?: File[]): Promise<void> {
  model?.dispose();
  model = null;
  parked = null;
  const bar = $<HTMLProgressElement>('load-progress');
  const started = performance.now();
  const options: BrowserLoadOptions = {
    onProgress: ({ loaded, total }) => {
      bar.max = total;
      bar.value = loaded;
      $('load-status').textContent = `Loading weights: ${(loaded / 2 ** 20).toFixed(1)} of ${(total / 2 ** 20).toFixed(1)} MiB`;
    },
  };
  const url = $<HTMLInputElement>('model-url').value.trim();
  model = picked
    ? await loadModelFromFiles(picked, options)
    : await loadModel(url, { ...options, cache: $<HTMLInputElement>('use-cache').checked, warn: (message) => ($('load-status').textContent = message) });
  bar.value = bar.max;
  const c = model.config;
  $('load-status').textContent = `Loaded ${model.dir}: ${c.numLayers} layers, hidden ${c.hiddenSize}, vocab ${c.vocabSize} on ${model.device.info.architecture || model.device.info.vendor || 'WebGPU'} in ${((performance.now() - started) / 1000).toFixed(1)} s.`;
}

function appendTurn(role: string, text: string): HTMLElement {
  const line = document.createElement('div');
  line.className = role;
  line.textContent = `${role}: ${text}`;
  $('transcript').append(line);
  return line;
}

async function send(): Promise<void> {
  const input = $<HTMLTextAreaElement>('chat-input');
  const text = input.value.trim();
  if (!text || !model) return;
  input.value = '';
  history.push({ role: 'user', content: text });
  appendTurn('user', text);
  const line = appendTurn('assistant', '');
  const prompt = model.tokenizer.hasChatTemplate ? model.chatPrompt(history) : text;
  let reply = '';
  for await (const delta of model.stream(prompt, { maxNewTokens: Number($<HTMLInputElement>('max-tokens').value) })) {
    reply += delta;
    line.textContent = `assistant: ${reply}`;
  }
  history.push({ role: 'assistant', content: reply });
}

function drawLosses(): void {
  const canvas = $<HTMLCanvasElement>('loss-curve');
  const g = canvas.getContext('2d')!;
  g.clearRect(0, 0, canvas.width, canvas.height);
  canvas.dataset['losses'] = JSON.stringify(losses);
  if (losses.length === 0) return;
  const max = Math.max(...losses);
  const min = Math.min(...losses);
  const x = (i: number) => 30 + (i / Math.max(1, losses.length - 1)) * (canvas.width - 40);
  const y = (v: number) => 10 + (1 - (v - min) / (max - min || 1)) * (canvas.height - 30);
  g.strokeStyle = '#0b5394';
  g.beginPath();
  losses.forEach((v, i) => (i === 0 ? g.moveTo(x(i), y(v)) : g.lineTo(x(i), y(v))));
  g.stroke();
  g.fillStyle = '#222';
  g.fillText(`loss ${losses.at(-1)!.toFixed(4)} (step ${losses.length}; max ${max.toFixed(3)}, min ${min.toFixed(3)})`, 30, canvas.height - 6);
}

async function train(): Promise<void> {
  if (!model) return;
  if (parked) await adapterOn();
  const examples = examplesFromJsonl(model, $<HTMLTextAreaElement>('train-data').value);
  const steps = Number($<HTMLInputElement>('train-steps').value);
  const lr = Number($<HTMLInputElement>('train-lr').value);
  const r = Number($<HTMLInputElement>('train-rank').value);
  await trainLoraSteps(model, examples, {
    steps,
    lr,
    lora: { r, alpha: 2 * r },
    onStep: (step, loss) => {
      losses.push(loss);
      drawLosses();
      $('train-status').textContent = `step ${step}/${steps}: loss ${loss.toFixed(4)} (${examples.length} examples)`;
    },
  });
}

async function adapterOff(): Promise<void> {
  const adapter = model!.adapter!;
  const tensors = new Map<string, Float32Array>();
  for (const [name, t] of adapter.parameters) tensors.set(name, await t.readFloat());
  parked = { config: adapter.config, tensors };
  adapter.detach();
  model!.adapter = null;
}

async function adapterOn(): Promise<void> {
  model!.addLora(parked!.config).loadTensors(parked!.tensors);
  parked = null;
}

async function exportAdapter(): Promise<void> {
  const wasOff = parked !== null;
  if (wasOff) await adapterOn();
  const files = await adapterFiles(model!);
  if (wasOff) await adapterOff();
  for (const [name, bytes] of Object.entries(files)) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes as BlobPart]));
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}

$('load-button').addEventListener('click', () => void busy(() => load()));
$('model-files').addEventListener('change', () => void busy(() => load(Array.from($<HTMLInputElement>('model-files').files ?? []))));
$('clear-cache').addEventListener('click', () => void busy(async () => {
  await clearModelCache();
  $('load-status').textContent = 'Cache cleared: the next load downloads the weights again.';
}));
$('send-button').addEventListener('click', () => void busy(send));
$('chat-input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !$<HTMLButtonElement>('send-button').disabled) {
    e.preventDefault();
    void busy(send);
  }
});
$('train-button').addEventListener('click', () => void busy(train));
$('export-button').addEventListener('click', () => void busy(exportAdapter));
$('adapter-on').addEventListener('change', () => void busy(() => ($<HTMLInputElement>('adapter-on').checked ? adapterOn() : adapterOff())));
$('train-file').addEventListener('change', async () => {
  const file = $<HTMLInputElement>('train-file').files?.[0];
  if (file) $<HTMLTextAreaElement>('train-data').value = await file.text();
});

fetch('/web-config.json')
  .then((r) => r.json())
  .then((config: { model: string | null }) => {
    if (config.model) {
      $<HTMLInputElement>('model-url').value = new URL(config.model, location.href).href;
      void busy(() => load());
    }
  })
  .catch(showError);
if (!('gpu' in navigator)) showError(new Error('This browser has no WebGPU (navigator.gpu is undefined): use Chrome or Edge 113+, Safari 26+, or Firefox 141+ on Windows; on Linux start Chrome with --enable-unsafe-webgpu'));
