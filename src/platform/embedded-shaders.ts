// Shader files from the map the build embeds (scripts/embed-shaders.mjs), for platforms without files.
import { ShaderCompileError } from '../errors.js';
import { EMBEDDED_SHADERS } from './shaders.generated.js';

/** Reads shaders/<file> from the embedded map; the Device's shader reader in the browser. */
export function readEmbeddedShader(file: string): string {
  const text = EMBEDDED_SHADERS[file];
  if (text === undefined) throw new ShaderCompileError(`Shader file not embedded: shaders/${file} (rebuild with npm run build to regenerate src/platform/shaders.generated.ts)`);
  return text;
}
