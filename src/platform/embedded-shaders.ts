// Shader files from the map the bundler injects (scripts/embed-shaders.mjs), for platforms without files.
import { ShaderCompileError } from '../errors.js';

/** shaders/<file> text by path under shaders/; defined only inside the wgml/browser bundle (and under vitest). */
declare const __WGML_SHADERS__: Readonly<Record<string, string>> | undefined;

/** Reads shaders/<file> from the embedded map; the Device's shader reader in the browser. */
export function readEmbeddedShader(file: string): string {
  if (typeof __WGML_SHADERS__ === 'undefined') throw new ShaderCompileError(`No shaders embedded to read shaders/${file} from: use the wgml/browser bundle (dist/browser/wgml.js, built by npm run build), which carries shaders/`);
  const text = __WGML_SHADERS__[file];
  if (text === undefined) throw new ShaderCompileError(`Shader file not embedded: shaders/${file} (rebuild the bundle with npm run build)`);
  return text;
}
