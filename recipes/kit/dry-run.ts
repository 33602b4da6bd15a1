// --dry-run's scratch run directory: the steps of a dry run prepare their inputs and write the CUDA
// spec in a temporary copy of the run directory, so what they print names the real one while
// nothing lands there; the copy is removed when the dry run ends. An existing run's entries are
// linked into the copy (read where they are), except cuda/, which the dry run writes afresh.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { runName } from './run-dir.js';

export interface Scratch {
  /** runs/<recipe>/<run>: where a run without --dry-run writes. */
  realDir: string;
  /** The config fields RunDir.open makes the scratch copy from. */
  config: { preset: string; run_name: string; output_dir: string };
  /** A path under realDir as the same path in the copy; others unchanged. */
  relocate(path: string): string;
  dispose(): Promise<void>;
}

/** Entries of an existing run a dry run must not read back: it writes them itself. */
const FRESH = new Set(['cuda', 'config_resolved.json']);

export async function openScratch(config: { preset: string; run_name: string | null; output_dir: string }, mustExist: boolean): Promise<Scratch> {
  const name = runName(config);
  const realDir = join(resolve(config.output_dir), name);
  if (mustExist && !existsSync(realDir)) throw new ConfigError(`${realDir} does not exist: run the steps before this one first (same --run ${name})`);
  const root = await mkdtemp(join(tmpdir(), 'wgml-dry-run-'));
  const dir = join(root, 'runs', name);
  await mkdir(dir, { recursive: true });
  if (existsSync(realDir)) {
    for (const entry of await readdir(realDir)) if (!FRESH.has(entry)) await symlink(join(realDir, entry), join(dir, entry));
  }
  return {
    realDir,
    config: { preset: config.preset, run_name: name, output_dir: join(root, 'runs') },
    relocate: (path) => (path === realDir || path.startsWith(realDir + sep) ? dir + path.slice(realDir.length) : path),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}
