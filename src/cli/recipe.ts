#!/usr/bin/env node
// `recipe` command line: runs a recipe of the registry (recipes/index.ts) from its preset in
// configs/<recipe>/, with a --config file, the --smoke overlay and --set overrides on top (see
// recipes/kit/config.ts); `recipe NAME STEP` runs one step on an earlier run's directory.
// --backend cuda hands the steps that train or generate to src/cuda's PyTorch worker.
import { existsSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { findRecipe, loadConfig, needsEarlierRun, presetFile, RECIPES, runRecipe, type BackendOptions, type Recipe, type RecipeFlag } from '../../recipes/index.js';
import { BackendFlags, checkSets, parseCommandLine, parseFlags, runName } from './args.js';

function recipeFlagUsage(): string {
  return RECIPES.filter((r) => r.flags?.length).map((r) => `flags of ${r.name}:\n${r.flags!.map((f) => `  ${`--${f.name}${f.value ? ` ${f.value}` : ''}`.padEnd(21)}${f.help}`).join('\n')}`).join('\n');
}

const USAGE = `usage: recipe <${RECIPES.map((r) => r.name).join('|')}> [STEP] [options]
  --list               the recipes and their steps
  --preset NAME        configs/<recipe>/NAME.yaml (default: the recipe's own)
  --config FILE        YAML overrides on top of the preset
  --set KEY=VALUE      one field (dotted keys: --set train.learning_rate=1e-4); repeatable, applied last
  --smoke              a run of a few minutes (configs/<recipe>/smoke.yaml on top)
  --model DIR          base model (a HuggingFace Qwen directory); same as --set model=DIR
  --run NAME           run directory name under the output directory (a STEP alone needs it)
  --resume             continue run NAME from its last checkpoint
  --adapter DIR        a trained adapter, for steps that take one (json-format compare)
  --n N                how many items a step shows (json-format compare)
  --backend webgpu|cuda  where the steps that train or generate run (default webgpu); cuda hands them
                       to the PyTorch worker in src/cuda (transformers, PEFT, bitsandbytes for QLoRA;
                       vLLM for sampling) with the same config, tokens and output files. Steps that
                       do neither (eval, merge, filter, ...) run on WebGPU either way. What the
                       machine lacks: npx wgml doctor --backend cuda; $WGML_PYTHON picks the interpreter
  --gpus N             with --backend cuda: NVIDIA GPUs to use (default 1); training runs torchrun
                       with N processes, generation N / tensor_parallel vLLM workers
  --dry-run            with --backend cuda: print the resolved spec and the exact command lines, run
                       and write nothing (it names the run directory a real run would use)
${recipeFlagUsage()}`;

const OPTIONS = {
  list: { type: 'boolean', default: false },
  preset: { type: 'string' },
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  smoke: { type: 'boolean', default: false },
  model: { type: 'string' },
  run: { type: 'string' },
  resume: { type: 'boolean', default: false },
  adapter: { type: 'string' },
  n: { type: 'string' },
  backend: { type: 'string' },
  gpus: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every recipe's own flags, so parseArgs knows them; a flag used with another recipe is refused by name. */
const RECIPE_OPTIONS: ParseArgsConfig['options'] = Object.fromEntries(RECIPES.flatMap((r) => r.flags ?? []).map((f) => [f.name, { type: f.boolean ? 'boolean' : 'string' }]));

const StepFlags = z.object({ adapter: z.string().optional(), n: z.coerce.number().int().positive().optional() });

function listing(): string {
  return RECIPES.map((r) => `${r.name} — ${r.summary}\n${r.steps.map((s) => `  ${s.name.padEnd(10)} ${s.summary}${s.alone ? ' (only when named)' : ''}${typeof s.cuda === 'string' ? ` [--backend cuda: ${s.cuda === 'train' ? 'QLoRA worker' : 'vLLM'}]` : ''}`).join('\n')}\n  presets: configs/${r.name}/ (default ${r.defaultPreset})`).join('\n\n');
}

/** The --set assignments a recipe's own flags stand for (each checked by its schema). */
function recipeSets(recipe: Recipe, values: Record<string, unknown>, step: string | undefined): string[] {
  const own = new Map((recipe.flags ?? []).map((f): [string, RecipeFlag] => [f.name, f]));
  const sets: string[] = [];
  for (const name of Object.keys(RECIPE_OPTIONS ?? {})) {
    if (values[name] === undefined) continue;
    const flag = own.get(name);
    if (!flag) throw new ConfigError(`--${name} is a flag of ${RECIPES.filter((r) => r.flags?.some((f) => f.name === name)).map((r) => r.name).join(', ')}, not of ${recipe.name}`);
    const value = parseFlags(z.object({ [name]: flag.schema }), { [name]: values[name] })[name];
    for (const [key, v] of Object.entries(flag.sets(value as never, step))) sets.push(`${key}=${JSON.stringify(v)}`);
  }
  return sets;
}

function backendOf(values: { backend?: string; gpus?: string; 'dry-run': boolean }): BackendOptions {
  const flags = parseFlags(BackendFlags, values);
  if (flags.backend === 'cuda') return { name: 'cuda', gpus: flags.gpus ?? 1, dryRun: flags['dry-run'] };
  if (flags.gpus !== undefined || flags['dry-run']) throw new ConfigError(`--${flags.gpus !== undefined ? 'gpus' : 'dry-run'} is for --backend cuda (WebGPU runs on this machine's one adapter)`);
  return { name: 'webgpu' };
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseCommandLine({ args: argv, allowPositionals: true, options: { ...OPTIONS, ...RECIPE_OPTIONS } });
  if (values.list) return console.log(listing());
  const [name, step] = positionals;
  const stray = positionals.slice(1).find((p) => p.includes('=')) ?? positionals[2];
  if (stray !== undefined) {
    const hint = stray.includes('=') ? ' (--set takes one KEY=VALUE: repeat --set for each field)' : '';
    throw new ConfigError(`unexpected argument ${JSON.stringify(stray)}: recipe takes NAME and at most one STEP${hint}`);
  }
  if (values.help || !name) return console.log(USAGE);
  const recipe = findRecipe(name);
  if (!recipe) throw new ConfigError(`unknown recipe '${name}' (available: ${RECIPES.map((r) => r.name).join(', ')})`);
  const backend = backendOf(values as Parameters<typeof backendOf>[0]);
  if (values.resume && !values.run) throw new ConfigError('--resume needs --run NAME: the run to continue');
  const named = step === undefined ? undefined : recipe.steps.find((s) => s.name === step);
  if (named && needsEarlierRun(recipe, named) && !values.run) throw new ConfigError(`step '${step}' runs on an earlier run's directory: pass --run NAME`);
  const presetName = (values.preset as string | undefined) ?? recipe.defaultPreset;
  const preset = presetFile(recipe.name, presetName);
  if (!existsSync(preset)) throw new ConfigError(`--preset ${presetName}: no ${preset}`);
  const files = [preset, ...(values.config ? [values.config as string] : []), ...(values.smoke ? [presetFile(recipe.name, 'smoke')] : [])];
  const userSets = (values.set ?? []) as string[];
  checkSets(userSets);
  const own = recipeSets(recipe, values, step);
  const sets = [`preset=${presetName}`, ...(values.model ? [`model=${values.model as string}`] : []), ...(values.run ? [`run_name=${runName(values.run as string)}`] : []), ...own, ...userSets];
  const config = await loadConfig(recipe.schema, { files, sets });
  const args = parseFlags(StepFlags, { adapter: values.adapter, n: values.n });
  const outcome = await runRecipe(recipe, config, { step, resume: values.resume as boolean, args, backend });
  process.exitCode = outcome.passed ? 0 : 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
