// What a recipe step calls for --backend cuda, in one call each: training writes the examples it
// would have trained on as pre-tokenized JSONL under <run>/cuda/, runs the train spec and mirrors
// metrics.jsonl into tensorboard/ as the WebGPU trainer does; generation
// renders each prompt with wgml's chat template and tokenizer, writes the prompts file and runs the
// generate spec. The files and the spec stay in <run>/cuda/, so a dry run's commands can be run by hand.
import { join } from 'node:path';
import type { ChatMessage, ChatTemplateOptions } from '../io/chat-template.js';
import type { Tokenizer } from '../io/tokenizer.js';
import type { LabelledExample } from '../train/labels.js';
import { runCudaStep, type CudaStepResult } from './launcher.js';
import { generateSpec, trainSpec, type GeneratePlanInput, type TrainPlanInput } from './plan.js';
import { writeExamples, writePrompts, type PromptRow } from './pretokenized.js';
import { metricsToTensorBoard } from './tensorboard.js';

export interface CudaRunOptions {
  gpus: number;
  dryRun?: boolean;
  log?: (line: string) => void;
  python?: string;
  /** Where a file the spec names is written (a recipe's dry run: a scratch copy of the run). */
  relocate?: (path: string) => string;
}

const at = (o: CudaRunOptions, path: string): string => (o.relocate ? o.relocate(path) : path);
const stepOptions = (o: CudaRunOptions, specPath: string) => ({ specPath, dryRun: o.dryRun, log: o.log, python: o.python, relocate: o.relocate });

export type CudaFineTuneInput = Omit<TrainPlanInput, 'trainFile' | 'evalFile' | 'examples' | 'gpus'> & {
  examples: readonly LabelledExample[];
  evalExamples?: readonly LabelledExample[];
};

export interface CudaFineTuneResult {
  /** The final PEFT adapter: loadModel(dir, { adapter }) reads it. */
  adapterDir: string;
  /** checkpoint-N/ directories, each a PEFT adapter too (for checkpoint sweeps). */
  checkpointDir: string;
  step: CudaStepResult;
}

export async function cudaFineTune(input: CudaFineTuneInput, o: CudaRunOptions): Promise<CudaFineTuneResult> {
  const dir = join(input.runDir, 'cuda');
  const trainFile = join(dir, 'train.jsonl');
  const evalFile = input.evalExamples?.length ? join(dir, 'eval.jsonl') : null;
  await writeExamples(at(o, trainFile), input.examples);
  if (evalFile) await writeExamples(at(o, evalFile), input.evalExamples!);
  const spec = trainSpec({ ...input, trainFile, evalFile, examples: input.examples.length, gpus: o.gpus });
  const step = await runCudaStep(spec, stepOptions(o, join(dir, 'train.json')));
  if (step.ran) await metricsToTensorBoard(input.runDir);
  return { adapterDir: spec.adapter_dir, checkpointDir: spec.checkpoint_dir, step };
}

/** The ids wgml's engine is given for a chat prompt (Model.chatPrompt, then encode without special tokens). */
export function chatPromptIds(tokenizer: Tokenizer, messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): number[] {
  return tokenizer.encode(tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, ...options }), { addSpecialTokens: false });
}

export type CudaGenerateInput = Omit<GeneratePlanInput, 'promptsFile' | 'gpus'> & {
  rows: readonly PromptRow[];
  /** Where the prompts file and the spec go (say <run>/cuda). */
  workDir: string;
};

export async function cudaGenerate(input: CudaGenerateInput, o: CudaRunOptions): Promise<CudaStepResult> {
  const promptsFile = join(input.workDir, `${input.modelName}.prompts.jsonl`);
  await writePrompts(at(o, promptsFile), input.rows);
  const spec = generateSpec({ ...input, promptsFile, gpus: o.gpus });
  return runCudaStep(spec, stepOptions(o, join(input.workDir, `generate-${input.modelName}.json`)));
}
