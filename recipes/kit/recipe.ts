// A recipe: a name, a zod config schema with presets in configs/<name>/, and named steps that run in
// order (`npx recipe NAME`) or alone (`npx recipe NAME STEP`, on an earlier run's directory). The
// kit runs them: it opens the run directory, shares one device between steps, and after the last
// step of the pipeline asks the recipe for its results, summary row and closing table.
import type { z } from 'zod';
import { ConfigError } from '../../src/errors.js';
import { type Device } from '../../src/gpu/device.js';
import { createDevice } from '../../src/platform/node.js';
import type { ProgressSink } from './progress.js';
import { RunDir } from './run-dir.js';
import { resolveAsset } from './paths.js';

/** The fields every recipe config has (from blocks.ts runFields, plus the base model). */
export interface BaseConfig {
  preset: string;
  run_name: string | null;
  output_dir: string;
  model: string;
}

/** Options a step may take from the command line besides the config (compare --adapter DIR --n 8). */
export interface StepArgs {
  adapter?: string;
  n?: number;
}

export interface StepContext<C> {
  config: C;
  run: RunDir;
  resume: boolean;
  args: StepArgs;
  log: ProgressSink;
  /** The device, made on first use and shared by every step of the invocation. */
  device(): Promise<Device>;
}

export interface Step<C> {
  name: string;
  summary: string;
  /** Runs only when named (a side-by-side view, say), never as part of the pipeline. */
  alone?: boolean;
  run(ctx: StepContext<C>): Promise<void>;
}

export interface Outcome {
  /** The closing console table. */
  table: string;
  /** false: a threshold was missed (the command exits 2). */
  passed: boolean;
}

export interface Recipe<C extends BaseConfig = BaseConfig> {
  name: string;
  summary: string;
  schema: z.ZodType<C>;
  defaultPreset: string;
  steps: readonly Step<C>[];
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

export async function runRecipe<C extends BaseConfig>(recipe: Recipe<C>, config: C, o: RunOptions = {}): Promise<Outcome & { dir: string }> {
  const steps = selectSteps(recipe, o.step);
  const log = o.log ?? ((line: string) => console.log(line));
  const alone = o.step !== undefined && steps[0] !== pipeline(recipe)[0];
  const run = await RunDir.open(recipe.name, config, { mustExist: alone, resolved: { ...config, model_dir: resolveAsset(config.model) } });
  let device: Device | undefined = o.device;
  let made: Device | undefined;
  const ctx: StepContext<C> = {
    config,
    run,
    resume: o.resume ?? false,
    args: o.args ?? {},
    log,
    device: async () => (device ??= made = await createDevice()),
  };
  try {
    for (const step of steps) {
      log(`== ${recipe.name} ${step.name}: ${step.summary}`);
      await step.run(ctx).catch(async (error: unknown) => {
        await run.discardFailedStart();
        throw error;
      });
    }
    const last = pipeline(recipe).at(-1);
    const outcome = steps.at(-1) === last ? await recipe.finish(ctx) : { table: '', passed: true };
    if (outcome.table) log(`\n${outcome.table}\n\noutputs in ${run.dir}`);
    return { ...outcome, dir: run.dir };
  } finally {
    made?.destroy();
  }
}
