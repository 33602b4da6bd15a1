// Finds shaders/*.wgsl and expands `#include "file.wgsl"` lines, the one preprocessing step we allow.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShaderCompileError } from '../errors.js';

/** Walks up from this module (src/ under vitest, dist/src/ when built) to the package's shaders/. */
function findShaderDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shaders');
    if (existsSync(join(candidate, 'matmul.wgsl'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new ShaderCompileError('Cannot find the shaders/ directory above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

let shaderDir: string | undefined;

function readShaderFile(file: string): string {
  shaderDir ??= findShaderDir();
  const path = join(shaderDir, file);
  if (!existsSync(path)) throw new ShaderCompileError(`Shader file not found: ${path}`);
  return readFileSync(path, 'utf8');
}

const INCLUDE = /^#include "([\w/.-]+)"\s*$/;

function expand(file: string, seen: Set<string>): string {
  if (seen.has(file)) return '';
  seen.add(file);
  return readShaderFile(file)
    .split('\n')
    .map((line) => {
      const m = INCLUDE.exec(line);
      return m ? expand(m[1]!, seen) : line;
    })
    .join('\n');
}

/** WGSL source of shaders/<name>.wgsl with its includes expanded once each. */
export function loadShaderSource(name: string): string {
  return expand(`${name}.wgsl`, new Set());
}
