import { configDefaults, defineConfig } from 'vitest/config';
import { shaderDefine } from './scripts/embed-shaders.mjs';
import { swiftShaderEnv } from './tests/helpers/swiftshader.js';

export default defineConfig({
  // The map the browser bundle carries, so tests read embedded shaders as the bundle does.
  define: shaderDefine(),
  test: {
    // llvmpipe already uses every core; GPU test files run one at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'default', include: ['tests/**/*.test.ts'], exclude: [...configDefaults.exclude, 'tests/vulkan/**'] } },
      // The kernels again on Vulkan (SwiftShader, core features, subgroups): the path real GPUs take.
      { extends: true, test: { name: 'vulkan', include: ['tests/vulkan/**/*.test.ts'], env: swiftShaderEnv() } },
    ],
  },
});
