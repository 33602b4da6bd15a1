// A recipe: a name, a zod config schema with presets in configs/<name>/, and named steps that run in
// order (`npx recipe NAME`) or alone (`npx recipe NAME STEP`, on an earlier run's directory). The
// kit runs them: it opens the run directory, shares one device between steps, and after the last
// step of the pipeline asks the recipe for its results, summary row and closing table. Under
// --backend cuda the steps that train or generate hand that work to src/cuda; the machine is checked
// first, and a --dry-run prints specs and commands from a scratch copy of the run directory.
import type { z } from 'zod';
import { assertCudaReady, type CudaRunOptions, type CudaTask } from '../../src/cuda/index.js';
import { ConfigError } from '../../src/errors.js';
import { type Device } from '../../src/gpu/device.js';
import { createDevice } from '../../src/platform/node.js';
import type { QuantizationConfig } from './blocks.js';
import { openScratch, type Scratch } from './dry-run.js';
import type { ProgressSink } from './progress.js';
import { RunDir } from './run-dir.js';
import { resolveAsset } from './paths.js';

/** The fields every recipe config has (from blocks.ts runFields, plus the base model). */
export interface BaseConfig {
  preset: string;
  run_name: string | null;
  output_dir: string;
  model: string;
  /** The training recipes' block: under --backend cuda a 4-bit base needs bitsandbytes, format none not. */
  quantization?: QuantizationConfig;
}

/** Options a step may take from the command line besides the config (compare --adapter DIR --n 8). */
export interface StepArgs {
  adapter?: string;
  n?: number;
}

/** Where the steps that train or generate run: WebGPU here, or the CUDA worker on `gpus` NVIDIA GPUs. */
export type BackendOptions = { name: 'webgpu' } | { name: 'cuda'; gpus: number; dryRun: boolean; python?: string };

/** A step's view of --backend cuda. */
export interface CudaContext {
  gpus: number;
  dryRun: boolean;
  /** The run directory specs name: run.dir, except in a dry run, where run.dir is its scratch copy. */
  runDir: string;
  /** For src/cuda's cudaFineTune and cudaGenerate. */
  options: CudaRunOptions;
}

export interface StepContext<C> {
  config: C;
  run: RunDir;
  resume: boolean;
  args: StepArgs;
  log: ProgressSink;
  /** The device, made on first use and shared by every step of the invocation. */
  device(): Promise<Device>;
  /** Present under --backend cuda (steps without a `cuda` task ignore it and run on WebGPU). */
  cuda?: CudaContext;
}

export interface Step<C> {
  name: string;
  summary: string;
  /** Runs only when named (a side-by-side view, say), never as part of the pipeline. */
  alone?: boolean;
  /** Needs nothing an earlier step left: named alone, it may open a new run directory. */
  fresh?: boolean;
  /** What the step hands to the CUDA worker under --backend cuda. Absent: the step runs on WebGPU whatever the backend. */
  cuda?: CudaTask;
  /** Cheap local preparation (no model, no network) that a dry run still does for the steps after it. */
  prepares?: boolean;
  run(ctx: StepContext<C>): Promise<void>;
}

export interface Outcome {
  /** The closing console table. */
  table: string;
  /** false: a threshold was missed (the command exits 2). */
  passed: boolean;
}

/** A flag of one recipe's own (`--chunk-size 16`): its value checked by `schema`, then set into the config. */
export interface RecipeFlag {
  name: string;
  /** A flag without a value (`--analyze`). */
  boolean?: boolean;
  /** The value's placeholder in the usage line (`N`). */
  value?: string;
  /** The usage line's text. */
  help: string;
  /** Checks the flag's text (or true, for a boolean flag); a failure is reported under the flag's name. */
  schema: z.ZodType;
  /** The config fields (dotted keys) the checked value sets, given the step named, if any. */
  sets(value: never, step: string | undefined): Record<string, unknown>;
}

export interface Recipe<C extends BaseConfig = BaseConfig> {
  name: string;
  summary: string;
  schema: z.ZodType<C>;
  defaultPreset: string;
  steps: readonly Step<C>[];
  /** Flags of this recipe's own, applied after --config and --smoke and before --set. */
  flags?: readonly RecipeFlag[];
  /** After the pipeline's last step: results.json, the runs/summary.csv row, the table. */
  finish(ctx: StepContext<C>): Promise<Outcome>;
}

export interface RunOptions {
  /** One step by name; default: the pipeline. */
  step?: string;
  resume?: boolean;
  args?: StepArgs;
  log?: ProgressSink;
  device?: Device;
  backend?: BackendOptions;
}

export function pipeline<C extends BaseConfig>(recipe: Recipe<C>): Step<C>[] {
  return recipe.steps.filter((s) => !s.alone);
}

function selectSteps<C extends BaseConfig>(recipe: Recipe<C>, name: string | undefined): Step<C>[] {
  if (name === undefined) return pipeline(recipe);
  const step = recipe.steps.find((s) => s.name === name);
  if (!step) throw new ConfigError(`recipe ${recipe.name} has no step '${name}' (steps: ${recipe.steps.map((s) => s.name).join(', ')})`);
  return [step];
}

/** Whether `step`, named alone, runs on an earlier run's directory (so that directory must exist). */
export function needsEarlierRun<C extends BaseConfig>(recipe: Recipe<C>, step: Step<C>): boolean {
  return step !== pipeline(recipe)[0] && !step.fresh;
}

/** The machine check, before any directory is made. */
async function checkBackend<C extends BaseConfig>(steps: readonly Step<C>[], b: BackendOptions, config: C): Promise<void> {
  if (b.name !== 'cuda') return;
  const tasks = [...new Set(steps.map((s) => s.cuda).filter((t): t is CudaTask => t !== undefined))];
  if (!b.dryRun && tasks.length) await assertCudaReady(tasks, b.gpus, { python: b.python, quantized: config.quantization?.format !== 'none' });
}

/** A dry run's steps: those that train, generate or prepare; the rest are only named. */
function dryRunPlan<C>(steps: readonly Step<C>[], log: ProgressSink): Step<C>[] {
  const runs = steps.filter((s) => s.cuda !== undefined || s.prepares);
  const skipped = steps.filter((s) => !runs.includes(s)).map((s) => s.name);
  if (!runs.length) log(`[dry-run] ${skipped.join(', ')} ${skipped.length === 1 ? 'runs' : 'run'} on WebGPU whatever the backend: no CUDA spec or command to print`);
  else if (skipped.length) log(`[dry-run] not run: ${skipped.join(', ')} (WebGPU steps, which need what the CUDA steps would write)`);
  return runs;
}

export async function runRecipe<C extends BaseConfig>(recipe: Recipe<C>, config: C, o: RunOptions = {}): Promise<Outcome & { dir: string }> {
  const backend = o.backend ?? { name: 'webgpu' };
  const dryRun = backend.name === 'cuda' && backend.dryRun;
  const log = o.log ?? ((line: string) => console.log(line));
  const selected = selectSteps(recipe, o.step);
  await checkBackend(selected, backend, config);
  const steps = dryRun ? dryRunPlan(selected, log) : selected;
  const alone = o.step !== undefined && needsEarlierRun(recipe, selected[0]!);
  const scratch: Scratch | undefined = dryRun ? await openScratch(config, alone) : undefined;
  try {
    const run = await RunDir.open(recipe.name, scratch ? { ...config, ...scratch.config } : config, { mustExist: alone, resolved: { ...config, model_dir: resolveAsset(config.model) } });
    const cuda = backend.name === 'cuda' ? { gpus: backend.gpus, dryRun, runDir: scratch?.realDir ?? run.dir, options: { gpus: backend.gpus, dryRun, log, python: backend.python, relocate: scratch?.relocate } } : undefined;
    const outcome = await runSteps(recipe, steps, { config, run, resume: o.resume ?? false, args: o.args ?? {}, log, cuda }, o.device, !dryRun);
    if (scratch) log(`[dry-run] nothing was run and nothing written: the run directory would be ${scratch.realDir}`);
    return { ...outcome, dir: scratch?.realDir ?? run.dir };
  } finally {
    await scratch?.dispose();
  }
}

async function runSteps<C extends BaseConfig>(recipe: Recipe<C>, steps: readonly Step<C>[], base: Omit<StepContext<C>, 'device'>, given: Device | undefined, finish: boolean): Promise<Outcome> {
  const { run, log } = base;
  let device: Device | undefined = given;
  let made: Device | undefined;
  const ctx: StepContext<C> = { ...base, device: async () => (device ??= made = await createDevice()) };
  try {
    for (const step of steps) {
      log(`== ${recipe.name} ${step.name}: ${step.summary}`);
      await step.run(ctx).catch(async (error: unknown) => {
        await run.discardFailedStart();
        throw error;
      });
    }
    const last = pipeline(recipe).at(-1);
    const outcome = finish && steps.at(-1) === last ? await recipe.finish(ctx) : { table: '', passed: true };
    if (outcome.table) log(`\n${outcome.table}\n\noutputs in ${run.dir}`);
    return outcome;
  } finally {
    made?.destroy();
  }
}
