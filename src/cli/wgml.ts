#!/usr/bin/env node
// `wgml` command line: adapter info, text generation and chat, 4-bit quantization, adapter merging, benchmarks.
import type { parseArgs } from 'node:util';
import { type Device } from '../gpu/device.js';
import { createDevice } from '../platform/node.js';
import { loadModel } from '../model/model.js';
import { DeviceFlags, generateOptionsFrom, LoadFlags, parseCommandLine, parseFlags, QuantizeFlags, SAMPLING_OPTIONS, SamplingFlags } from './args.js';
import { runChat, runGenerate } from './commands/generate.js';
import { printInfo } from './commands/info.js';
import { MergeFlags, runMerge } from './commands/merge.js';
import { runQuantize } from './commands/quantize.js';
import { runServe, SERVE_OPTIONS, ServeFlags } from './commands/serve.js';
import { runDoctor } from './commands/doctor.js';
import { runWeb, WebFlags } from './commands/web.js';

const USAGE = `usage: wgml <command> [options]
  info                                   adapter, backend, features and limits
  doctor [--backend cuda]                what is ready and what is missing (WebGPU; with cuda: python, torch, CUDA, GPUs, libraries)
  generate --model DIR --prompt TEXT     stream a completion [--chat] [--no-thinking]
  chat --model DIR                       interactive chat on stdin [--system TEXT]
  serve --model DIR                      OpenAI-compatible server [--adapter NAME=DIR ...] [--port 8000] [--host 127.0.0.1]
                                         [--api-key KEY] [--max-batch 32] [--max-queue 1024] [--served-model-name NAME]
                                         [--max-model-len N] [--chat-template FILE]; vLLM's --lora-modules and --max-num-seqs work too
  web [--model DIR] [--port 8080]        the browser demo (chat, LoRA fine-tuning in the tab) and a static server for the model
  quantize --model DIR --out DIR         4-bit copy: --format nf4|q4 [--block-size N] [--double-quant]
  merge --model DIR --adapter DIR --out DIR  the adapter folded into the base (PEFT's merge_and_unload) [--dtype bf16|f32]
  bench [kernels|decode|quant|train|serve|constrained]  benchmarks → ./bench/results/<suite>.json
                                         [--profile] (decode, train: per-kernel-family time of one step)
options:
  --backend auto|vulkan|metal|d3d12|opengles  --quantize nf4|q4 (generate, chat: 4-bit projections)
  --adapter DIR (generate, chat: a PEFT LoRA adapter on top, e.g. one the browser demo downloaded)
  --max-tokens N  --temperature T  --top-k K  --top-p P  --repetition-penalty R  --seed S  --stop STR (repeatable)`;

const OPTIONS = {
  backend: { type: 'string' },
  model: { type: 'string' },
  prompt: { type: 'string' },
  system: { type: 'string' },
  chat: { type: 'boolean' },
  'no-thinking': { type: 'boolean' },
  quantize: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  'block-size': { type: 'string' },
  'double-quant': { type: 'boolean' },
  dtype: { type: 'string' },
  profile: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...SAMPLING_OPTIONS,
  ...SERVE_OPTIONS,
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>['values'];

async function runBench(device: Device, suite: string, profile: boolean): Promise<void> {
  if (suite === 'kernels') return (await import('../../bench/kernels.js')).benchKernels(device).then(() => undefined);
  if (suite === 'decode') return (await import('../../bench/decode.js')).benchDecode(device, { profile }).then(() => undefined);
  if (suite === 'quant') return (await import('../../bench/quant.js')).benchQuant(device).then(() => undefined);
  if (suite === 'train') return (await import('../../bench/train.js')).benchTrain(device, { profile }).then(() => undefined);
  if (suite === 'serve') return (await import('../../bench/serve.js')).benchServe(device).then(() => undefined);
  if (suite === 'constrained') return (await import('../../bench/constrained.js')).benchConstrained().then(() => undefined);
  throw new Error(`unknown bench suite '${suite}' (available: kernels, decode, quant, train, serve, constrained)`);
}

function requireFlag(values: Values, name: 'model' | 'prompt'): string {
  const v = values[name];
  if (!v) throw new Error(`--${name} is required\n${USAGE}`);
  return v;
}

async function runModelCommand(device: Device, command: 'generate' | 'chat', values: Values): Promise<void> {
  const options = generateOptionsFrom(parseFlags(SamplingFlags, values));
  const thinking = values['no-thinking'] ? false : undefined;
  const { quantize, adapter } = parseFlags(LoadFlags, values);
  const model = await loadModel(requireFlag(values, 'model'), { device, quantize, adapter: adapter?.[0] });
  try {
    if (command === 'generate') await runGenerate(model, requireFlag(values, 'prompt'), values.chat ?? false, options, thinking);
    else await runChat(model, options, values.system, thinking);
  } finally {
    model.dispose();
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseCommandLine({ args: argv, allowPositionals: true, options: OPTIONS });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (!['info', 'bench', 'generate', 'chat', 'quantize', 'merge', 'serve', 'doctor', 'web'].includes(command)) throw new Error(`unknown command '${command}'\n${USAGE}`);
  if (command === 'quantize') return runQuantize(parseFlags(QuantizeFlags, values));
  if (command === 'web') return runWeb(parseFlags(WebFlags, values));
  // --backend cuda asks about the CUDA path; any other value names the WebGPU backend to check.
  if (command === 'doctor') {
    process.exitCode = await runDoctor(values.backend === 'cuda' ? { backend: 'cuda' } : { webgpuBackend: parseFlags(DeviceFlags, values).backend });
    return;
  }
  const device = await createDevice(parseFlags(DeviceFlags, values));
  try {
    if (command === 'info') printInfo(device);
    else if (command === 'serve') await runServe(device, parseFlags(ServeFlags, values));
    else if (command === 'merge') await runMerge(device, parseFlags(MergeFlags, values));
    else if (command === 'bench') await runBench(device, rest[0] ?? 'kernels', values.profile ?? false);
    else await runModelCommand(device, command as 'generate' | 'chat', values);
  } finally {
    device.destroy();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
