// `npm run make:data`: writes the shipped data sets under data/ and trains the shipped tokenizer
// (models/tokenizer) on all of them. Seeded, so a rerun writes the same bytes. `--config FILE`
// takes a YAML file overriding any field of MakeDataSchema.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { trainBpe } from '../../src/io/bpe-trainer.js';
import { byteLevelTokenizer } from '../../src/io/byte-tokenizer.js';
import { generateBugs } from './bugs.js';
import { writeJsonl } from './common.js';
import { gsm8kRow, gsm8kSplits } from './gsm8k.js';
import { jsonSplits } from './json-format.js';
import { generateSafety } from './safety.js';

export const MakeDataSchema = z.object({
  seed: z.number().int().min(0).default(0),
  gsm8k: z.object({ train: z.number().int().positive().default(2000), test: z.number().int().positive().default(200) }).prefault({}),
  jsonFormat: z.object({ train: z.number().int().positive().default(1000), test: z.number().int().positive().default(200) }).prefault({}),
  bugs: z.number().int().positive().default(400),
  /** Prompts per (hazard, label) cell. */
  safetyPerCell: z.number().int().positive().default(25),
  vocabSize: z.number().int().min(259).default(2048),
});
export type MakeData = z.output<typeof MakeDataSchema>;

/** The shipped data sets, made from `config`; `corpus` is every text in them, for the tokenizer. */
export function makeData(config: MakeData) {
  const gsm8k = gsm8kSplits(config.seed + 1, config.gsm8k.train, config.gsm8k.test);
  const json = jsonSplits(config.seed + 2, config.jsonFormat.train, config.jsonFormat.test);
  const bugs = generateBugs(config.seed + 3, config.bugs);
  const safety = generateSafety(config.seed + 4, config.safetyPerCell);
  const files: Record<string, unknown[]> = {
    'gsm8k/train.jsonl': gsm8k.train.map(gsm8kRow),
    'gsm8k/test.jsonl': gsm8k.test.map(gsm8kRow),
    'json-format/train.jsonl': json.train,
    'json-format/test.jsonl': json.test,
    'special-tokens/bugs.jsonl': bugs,
    'safety/prompts.jsonl': safety,
  };
  return { files, corpus: Object.values(files).flatMap((rows) => rows.flatMap(textsOf)) };
}

/** Every string value of a record (nested ones included), as the tokenizer will see them. */
export function textsOf(record: unknown): string[] {
  if (typeof record === 'string') return [record];
  if (typeof record !== 'object' || record === null) return [];
  return Object.values(record).flatMap(textsOf);
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--config');
  const overrides: unknown = at >= 0 ? parseYaml(await readFile(process.argv[at + 1]!, 'utf8')) : {};
  const config = MakeDataSchema.parse(overrides ?? {});
  const root = process.cwd();
  const started = performance.now();
  const { files, corpus } = makeData(config);
  for (const [file, rows] of Object.entries(files)) {
    await writeJsonl(join(root, 'data', file), rows);
    console.log(`data/${file}: ${rows.length} records`);
  }
  const merges = trainBpe(corpus, { vocabSize: config.vocabSize });
  const { tokenizerJson, tokenizerConfig } = byteLevelTokenizer(merges);
  const dir = join(root, 'models', 'tokenizer');
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson, null, 1) + '\n');
  await writeFileAtomic(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2) + '\n');
  console.log(`models/tokenizer: ${merges.length} merges, trained on ${corpus.length} texts, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  });
}
