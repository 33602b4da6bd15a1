// The run directory runs/<recipe>/<run>/: its name, config_resolved.json, results.json (merged as
// steps finish, so a step run alone adds to what earlier ones left), per-item JSONL files and the
// runs/summary.csv row beside the recipe's output directory.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { removeStaleTemps, writeFileAtomic } from '../../src/io/atomic.js';
import { writeJsonl } from '../data/common.js';
import { appendCsvRow, type Row } from './report.js';

export type Results = Record<string, unknown>;

/** What a step leaves that a --resume picks up: a finished step's results, or a step's partial progress. */
const RESUMABLE = ['results.json', 'checkpoints', 'chunks', 'teacher.jsonl', 'metrics.jsonl'];

async function holdsSomething(path: string): Promise<boolean> {
  const s = await stat(path).catch(() => null);
  if (!s) return false;
  return s.isDirectory() ? (await readdir(path)).length > 0 : s.size > 0;
}

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
    /** The outermost directory `open` made (the run's own, or a parent it lacked); undefined: it existed. */
    private readonly created: string | undefined,
  ) {}

  /**
   * Makes (or reopens) runs/<recipe>/<run>/ and writes config_resolved.json. A step
   * named alone needs an earlier run's directory, so it must exist then. A reopened run loses the
   * temporary files of writes a kill interrupted (the files they were to replace are whole).
   */
  static async open(recipe: string, config: { preset: string; run_name: string | null; output_dir: string }, o: { mustExist: boolean; resolved: object }): Promise<RunDir> {
    const outputDir = resolve(config.output_dir);
    const name = runName(config);
    const dir = join(outputDir, name);
    if (o.mustExist && !existsSync(dir)) throw new ConfigError(`${dir} does not exist: run the steps before this one first (same --run ${name})`);
    const created = await mkdir(dir, { recursive: true });
    await removeStaleTemps(dir);
    const run = new RunDir(recipe, name, dir, outputDir, created);
    try {
      await writeFileAtomic(join(dir, 'config_resolved.json'), JSON.stringify({ ...o.resolved, run_name: name }, null, 2) + '\n');
    } catch (error) {
      await run.discardFailedStart();
      throw error;
    }
    return run;
  }

  /**
   * After a failed step: a run this invocation created that holds nothing to resume from (no
   * results, checkpoints, generation chunks or teacher lines; only config_resolved.json and inputs
   * a step copied) is removed with the directories made for it, so a bad model directory or data
   * file leaves no partial run behind. Returns whether it removed it.
   */
  async discardFailedStart(): Promise<boolean> {
    if (this.created === undefined) return false;
    for (const entry of RESUMABLE) if (await holdsSomething(this.path(entry))) return false;
    await rm(this.created, { recursive: true, force: true });
    return true;
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

  /**
   * The run's row in runs/summary.csv (run, recipe and date first): added once, and replaced when
   * the run finishes again (a --resume of a finished run). Returns the file's path.
   */
  async appendSummary(columns: readonly string[], row: Row): Promise<string> {
    const path = join(dirname(this.outputDir), 'summary.csv');
    await appendCsvRow(path, ['run', 'recipe', 'date', ...columns], { run: this.name, recipe: this.recipe, date: new Date().toISOString(), ...row }, ['run', 'recipe']);
    return path;
  }
}
