// Types of scripts/embed-shaders.mjs for vitest.config.ts.
export function shaderMap(dir?: string): Record<string, string>;
export function shaderDefine(): { __WGML_SHADERS__: string };
