// Where SwiftShader's Vulkan driver lies, for the tests/vulkan project (vitest.config.ts). Debian's
// chromium ships it (package chromium-common, /usr/lib/chromium): libvk_swiftshader.so, its ICD file
// and a Vulkan loader, libvulkan.so.1. The dynamic linker reads LD_LIBRARY_PATH once, at process
// start, so these variables go to the project's forked workers, never set from inside a test.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const SWIFTSHADER_ICD = 'vk_swiftshader_icd.json';
const DIRS = ['/usr/lib/chromium', '/usr/lib64/chromium', '/usr/lib/chromium-browser'];

/** The folder holding SwiftShader's ICD file: WGML_SWIFTSHADER_DIR when set, else where distributions put chromium. */
export function swiftShaderDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = env.WGML_SWIFTSHADER_DIR ? [env.WGML_SWIFTSHADER_DIR] : DIRS;
  return dirs.find((dir) => existsSync(join(dir, SWIFTSHADER_ICD)));
}

/** The environment that makes Dawn's Vulkan backend load SwiftShader and no other driver; empty where it is not installed. */
export function swiftShaderEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const dir = swiftShaderDir(env);
  if (!dir) return {};
  return {
    LD_LIBRARY_PATH: [dir, env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
    VK_ICD_FILENAMES: join(dir, SWIFTSHADER_ICD),
  };
}
