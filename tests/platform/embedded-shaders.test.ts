// The browser reads shaders from src/platform/shaders.generated.ts, which `npm run build` writes
// from shaders/ (it is not committed); it must hold exactly shaders/.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShaderCompileError } from '../../src/errors.js';
import { loadShaderSource } from '../../src/gpu/shader-source.js';
import { readEmbeddedShader } from '../../src/platform/embedded-shaders.js';

const ROOT = join(import.meta.dirname, '..', '..');
const readFile = (file: string) => readFileSync(join(ROOT, 'shaders', file), 'utf8');

describe('embedded shaders', () => {
  it('are current with shaders/ (the generated file is not stale)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'embed-shaders.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('expand includes to the same source as the files do', () => {
    for (const name of ['matvec', 'sample', 'quant_matvec']) expect(loadShaderSource(name, readEmbeddedShader)).toBe(loadShaderSource(name, readFile));
  });

  it('name the file that is missing', () => {
    expect(() => readEmbeddedShader('nope.wgsl')).toThrow(ShaderCompileError);
    expect(() => readEmbeddedShader('nope.wgsl')).toThrow('shaders/nope.wgsl');
  });
});
