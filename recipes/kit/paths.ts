// Where a recipe finds the files it ships (configs/, models/, data/) and where its runs go.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The wgml package root: the nearest directory above this file whose package.json is wgml's (the same from src and dist). */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wgml') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the wgml package root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();

/** A path from a config: as given when absolute or present under the working directory, else the shipped file of that name. */
export function resolveAsset(path: string): string {
  if (isAbsolute(path)) return path;
  const local = resolve(path);
  if (existsSync(local)) return local;
  const shipped = join(PACKAGE_ROOT, path);
  return existsSync(shipped) ? shipped : local;
}

export function presetFile(recipe: string, preset: string): string {
  return join(PACKAGE_ROOT, 'configs', recipe, `${preset}.yaml`);
}
