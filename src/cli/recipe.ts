#!/usr/bin/env node
// `recipe` command line: runs a recipe of the registry (recipes/index.ts) from its preset in
// configs/<recipe>/, with a --config file, the --smoke overlay and --set overrides on top (see
// recipes/kit/config.ts); `recipe NAME STEP` runs one step on an earlier run's directory.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { findRecipe, loadConfig, pipeline, presetFile, RECIPES, runRecipe } from '../../recipes/index.js';
import { checkSets, parseCommandLine, parseFlags, runName } from './args.js';

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
  --backend webgpu     the only backend in this build (cuda: not available yet)`;

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
  backend: { type: 'string', default: 'webgpu' },
  help: { type: 'boolean', short: 'h' },
} as const;

const StepFlags = z.object({ adapter: z.string().optional(), n: z.coerce.number().int().positive().optional() });

function listing(): string {
  return RECIPES.map((r) => `${r.name} — ${r.summary}\n${r.steps.map((s) => `  ${s.name.padEnd(10)} ${s.summary}${s.alone ? ' (only when named)' : ''}`).join('\n')}\n  presets: configs/${r.name}/ (default ${r.defaultPreset})`).join('\n\n');
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseCommandLine({ args: argv, allowPositionals: true, options: OPTIONS });
  if (values.list) return console.log(listing());
  const [name, step] = positionals;
  if (values.help || !name) return console.log(USAGE);
  const recipe = findRecipe(name);
  if (!recipe) throw new ConfigError(`unknown recipe '${name}' (available: ${RECIPES.map((r) => r.name).join(', ')})`);
  if (values.backend !== 'webgpu') throw new ConfigError(`--backend ${values.backend}: this build runs recipes on WebGPU only (--backend webgpu)`);
  if (values.resume && !values.run) throw new ConfigError('--resume needs --run NAME: the run to continue');
  if (step !== undefined && step !== pipeline(recipe)[0]?.name && !values.run) throw new ConfigError(`step '${step}' runs on an earlier run's directory: pass --run NAME`);
  const presetName = values.preset ?? recipe.defaultPreset;
  const preset = presetFile(recipe.name, presetName);
  if (!existsSync(preset)) throw new ConfigError(`--preset ${presetName}: no ${preset}`);
  const files = [preset, ...(values.config ? [values.config] : []), ...(values.smoke ? [presetFile(recipe.name, 'smoke')] : [])];
  checkSets(values.set ?? []);
  const sets = [`preset=${presetName}`, ...(values.model ? [`model=${values.model}`] : []), ...(values.run ? [`run_name=${runName(values.run)}`] : []), ...(values.set ?? [])];
  const config = await loadConfig(recipe.schema, { files, sets });
  const args = parseFlags(StepFlags, { adapter: values.adapter, n: values.n });
  const outcome = await runRecipe(recipe, config, { step, resume: values.resume, args });
  process.exitCode = outcome.passed ? 0 : 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
