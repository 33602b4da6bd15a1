// A new HuggingFace model directory written the way every wgml write is: into a temporary sibling,
// then renamed into place, so a killed write leaves the old directory (or none), never half of one.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';

/** Refuses an `out` that exists with files in it (the commands that take --out never overwrite). */
export async function assertFreshTarget(out: string): Promise<void> {
  const entries = await readdir(out).catch(() => null);
  if (entries && entries.length > 0) throw new ConfigError(`--out ${out} already exists and is not empty; choose a new directory`);
}

/** Every file of `src` but the weights and config.json (tokenizer, generation config, chat template, …). */
async function copyCompanions(src: string, dst: string): Promise<void> {
  for (const entry of await readdir(src, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.safetensors') || entry.name.endsWith('.safetensors.index.json') || entry.name === 'config.json') continue;
    await copyFile(join(src, entry.name), join(dst, entry.name));
  }
}

/**
 * Writes the model directory `out` from `src`'s companion files and what `fill` writes (the weights
 * and config.json) into a temporary sibling, then puts it in place of `out` (replacing what was there).
 */
export async function writeModelDir(src: string, out: string, fill: (dir: string) => Promise<void>): Promise<void> {
  const tmp = join(dirname(out), `.${basename(out)}.partial-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(tmp, { recursive: true });
    await fill(tmp);
    await copyCompanions(src, tmp);
    await rm(out, { recursive: true, force: true });
    await rename(tmp, out);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
