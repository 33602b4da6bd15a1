// The built `recipe` command (dist/, made by `npm run build`) in a child process, run in a fresh
// working directory so its runs/ land there: exit status, stdout, stderr, and the spec a --dry-run printed.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
export const RECIPE_CLI = join(ROOT, 'dist/src/cli/recipe.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The working directory it ran in (runs/<recipe>/<run> is under it). */
  cwd: string;
}

export async function recipeCli(args: readonly string[], env: Record<string, string> = {}, cwd?: string): Promise<CliRun> {
  const dir = cwd ?? (await mkdtemp(join(tmpdir(), 'wgml-recipe-cli-')));
  return exec(process.execPath, [RECIPE_CLI, ...args], { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr, cwd: dir }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr, cwd: dir }),
  );
}

/** The specs a --dry-run printed (`[cuda] spec PATH:` then the JSON), by path. */
export function printedSpecs(stdout: string): Map<string, Record<string, unknown>> {
  const specs = new Map<string, Record<string, unknown>>();
  for (const m of stdout.matchAll(/^\[cuda\] spec (\S+):\n(\{[\s\S]*?\n\})$/gm)) specs.set(m[1]!, JSON.parse(m[2]!) as Record<string, unknown>);
  return specs;
}

/** The command lines printed after `[cuda] command:` / `[cuda] N commands, run side by side:`. */
export function printedCommands(stdout: string): string[] {
  return [...stdout.matchAll(/^\[cuda\] (?:command|\d+ commands, run side by side):\n([\s\S]*?)\n\[cuda\]/gm)].flatMap((m) => m[1]!.split('\n'));
}
