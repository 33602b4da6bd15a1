// The run directory runs/<recipe>/<run>/: its name, config_resolved.json, results.json (merged as
// steps finish, so a step run alone adds to what earlier ones left), per-item JSONL files and the
// runs/summary.csv row beside the recipe's output directory.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { writeJsonl } from '../data/common.js';
import { appendCsvRow, type Row } from './report.js';

export type Results = Record<string, unknown>;

/** `<preset>-<yyyymmdd-hhmmss>` unless the config names the run. */
export function runName(c: { preset: string; run_name: string | null }, now = new Date()): string {
  return c.run_name ?? `${c.preset}-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}

export class RunDir {
  private constructor(
    readonly recipe: string,
    readonly name: string,
    readonly dir: string,
    readonly outputDir: string,
  ) {}

  /**
   * Makes (or reopens) runs/<recipe>/<run>/ and writes config_resolved.json. A step
   * named alone needs an earlier run's directory, so it must exist then.
   */
  static async open(recipe: string, config: { preset: string; run_name: string | null; output_dir: string }, o: { mustExist: boolean; resolved: object }): Promise<RunDir> {
    const outputDir = resolve(config.output_dir);
    const name = runName(config);
    const dir = join(outputDir, name);
    if (o.mustExist && !existsSync(dir)) throw new ConfigError(`${dir} does not exist: run the steps before this one first (same --run ${name})`);
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'config_resolved.json'), JSON.stringify({ ...o.resolved, run_name: name }, null, 2) + '\n');
    return new RunDir(recipe, name, dir, outputDir);
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  async results(): Promise<Results> {
    const text = await readFile(this.path('results.json'), 'utf8').catch(() => null);
    return text ? (JSON.parse(text) as Results) : {};
  }

  /** Adds `fields` to results.json (written whole, atomically). */
  async addResults(fields: object): Promise<Results> {
    const merged = { ...(await this.results()), ...fields };
    await writeFileAtomic(this.path('results.json'), JSON.stringify(merged, null, 2) + '\n');
    return merged;
  }

  /** A step's cached JSON output: `make()` once, read back on --resume. */
  async cached<T>(file: string, resume: boolean, make: () => Promise<T>): Promise<T> {
    if (resume) {
      const text = await readFile(this.path(file), 'utf8').catch(() => null);
      if (text) return JSON.parse(text) as T;
    }
    const value = await make();
    await writeFileAtomic(this.path(file), JSON.stringify(value));
    return value;
  }

  writeJsonl(file: string, records: readonly unknown[]): Promise<void> {
    return writeJsonl(this.path(file), records);
  }

  /** One row in runs/summary.csv; run, recipe and date come first. Returns the file's path. */
  async appendSummary(columns: readonly string[], row: Row): Promise<string> {
    const path = join(dirname(this.outputDir), 'summary.csv');
    await appendCsvRow(path, ['run', 'recipe', 'date', ...columns], { run: this.name, recipe: this.recipe, date: new Date().toISOString(), ...row });
    return path;
  }
}
