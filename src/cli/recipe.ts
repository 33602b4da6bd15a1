#!/usr/bin/env node
// `recipe` command line: runs a fine-tuning recipe from its preset in configs/<recipe>/, with a
// --config file, the --smoke overlay and --set overrides on top (see recipes/common/config.ts).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { loadConfig } from '../../recipes/common/config.js';
import { presetFile } from '../../recipes/common/paths.js';
import { Gsm8kQloraConfigSchema } from '../../recipes/gsm8k-qlora/config.js';
import { runGsm8kQlora } from '../../recipes/gsm8k-qlora/run.js';

const RECIPES = ['gsm8k-qlora'] as const;

const USAGE = `usage: recipe <${RECIPES.join('|')}> [options]
  --preset NAME        configs/<recipe>/NAME.yaml (default: simple)
  --config FILE        YAML overrides on top of the preset
  --set KEY=VALUE      one field (dotted keys: --set train.learning_rate=1e-4); repeatable, applied last
  --smoke              a run of a few minutes (configs/<recipe>/smoke.yaml on top)
  --model DIR          base model (a HuggingFace Qwen directory); same as --set model=DIR
  --run NAME           run directory name under the output directory
  --resume             continue run NAME from its last checkpoint
  --backend webgpu     the only backend in this build (cuda: not available yet)`;

const OPTIONS = {
  preset: { type: 'string', default: 'simple' },
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  smoke: { type: 'boolean', default: false },
  model: { type: 'string' },
  run: { type: 'string' },
  resume: { type: 'boolean', default: false },
  backend: { type: 'string', default: 'webgpu' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const [recipe] = positionals;
  if (values.help || !recipe) return console.log(USAGE);
  if (!RECIPES.includes(recipe as (typeof RECIPES)[number])) throw new ConfigError(`unknown recipe '${recipe}' (available: ${RECIPES.join(', ')})`);
  if (values.backend !== 'webgpu') throw new ConfigError(`--backend ${values.backend}: this build runs recipes on WebGPU only (--backend webgpu)`);
  if (values.resume && !values.run) throw new ConfigError('--resume needs --run NAME: the run to continue');
  const preset = presetFile(recipe, values.preset);
  if (!existsSync(preset)) throw new ConfigError(`--preset ${values.preset}: no ${preset}`);
  const files = [preset, ...(values.config ? [values.config] : []), ...(values.smoke ? [presetFile(recipe, 'smoke')] : [])];
  const sets = [`preset=${values.preset}`, ...(values.model ? [`model=${values.model}`] : []), ...(values.run ? [`run_name=${values.run}`] : []), ...(values.set ?? [])];
  const config = await loadConfig(Gsm8kQloraConfigSchema, { files, sets });
  const result = await runGsm8kQlora(config, { resume: values.resume });
  process.exitCode = result.passed ? 0 : 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
