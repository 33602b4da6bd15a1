// The browser reads shaders from the map the bundler injects from shaders/ (vitest.config.ts
// injects the same one); it must hold exactly shaders/.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShaderCompileError } from '../../src/errors.js';
import { loadShaderSource } from '../../src/gpu/shader-source.js';
import { readEmbeddedShader } from '../../src/platform/embedded-shaders.js';

const ROOT = join(import.meta.dirname, '..', '..');
const readFile = (file: string) => readFileSync(join(ROOT, 'shaders', file), 'utf8');

describe('embedded shaders', () => {
  it('hold every file of shaders/ as it is on disk', () => {
    const files = readdirSync(join(ROOT, 'shaders'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.wgsl'));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect(readEmbeddedShader(file.split('\\').join('/')), file).toBe(readFile(file));
  });

  it('expand includes to the same source as the files do', () => {
    for (const name of ['matvec', 'sample', 'quant_matvec']) expect(loadShaderSource(name, readEmbeddedShader)).toBe(loadShaderSource(name, readFile));
  });

  it('name the file that is missing', () => {
    expect(() => readEmbeddedShader('nope.wgsl')).toThrow(ShaderCompileError);
    expect(() => readEmbeddedShader('nope.wgsl')).toThrow('shaders/nope.wgsl');
  });
});
