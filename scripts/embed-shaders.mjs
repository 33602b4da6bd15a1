// The shaders the browser bundle carries: every shaders/**/*.wgsl keyed by its path under shaders/,
// injected as the constant __WGML_SHADERS__ by the bundler (scripts/bundle-browser.mjs) and by
// vitest.config.ts, so no TypeScript file ever holds WGSL: shaders/ stays the only source.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SHADERS = join(dirname(fileURLToPath(import.meta.url)), '..', 'shaders');

function* wgslFiles(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* wgslFiles(path);
    else if (name.endsWith('.wgsl')) yield path;
  }
}

/** shaders/<file> text by file path under `dir` (e.g. "matmul.wgsl", "lib/storage.wgsl"). */
export function shaderMap(dir = SHADERS) {
  return Object.fromEntries([...wgslFiles(dir)].map((path) => [relative(dir, path).split('\\').join('/'), readFileSync(path, 'utf8')]));
}

/** esbuild's / vite's `define` entry that injects the map. */
export const shaderDefine = () => ({ __WGML_SHADERS__: JSON.stringify(shaderMap()) });
