// The Node platform: a Dawn device (the best adapter, else OpenGL ES on llvmpipe; see DESIGN.md
// "Adapters") and the shader files read from the package's shaders/ folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import { NoAdapterError, ShaderCompileError } from '../errors.js';
import type { Backend, Device, DeviceOptions } from '../gpu/device.js';
import { deviceFromAdapter, type FoundAdapter } from './adapter-device.js';
import { dawnToggles, toggleFlags } from './dawn-toggles.js';

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

const MESA_HINT =
  'On Linux without a GPU install Mesa for the OpenGL ES fallback: ' +
  'apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri. ' +
  'With a GPU, install its Vulkan driver (e.g. mesa-vulkan-drivers or the NVIDIA driver with libvulkan1).';

const SWIFTSHADER_HINT =
  "For a software Vulkan adapter, Debian's chromium ships SwiftShader: start node with " +
  'LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.';

async function requestFrom(flags: string[], featureLevel: 'core' | 'compatibility'): Promise<Pick<FoundAdapter, 'instance' | 'adapter'> | null> {
  try {
    const instance = create(flags);
    const adapter = await instance.requestAdapter({ powerPreference: 'high-performance', featureLevel });
    return adapter && { instance, adapter };
  } catch {
    return null;
  }
}

/**
 * The adapter again from an instance with the toggles it needs (./dawn-toggles.ts), where it needs
 * any: dawn.node takes toggles per instance, and which are needed shows only once the adapter is seen.
 */
async function requestWithToggles(flags: string[], featureLevel: 'core' | 'compatibility'): Promise<Pick<FoundAdapter, 'instance' | 'adapter'> | null> {
  const found = await requestFrom(flags, featureLevel);
  const toggles = found ? dawnToggles(found.adapter.info) : [];
  if (toggles.length === 0) return found;
  return (await requestFrom([...flags, ...toggleFlags(toggles)], featureLevel)) ?? found;
}

/**
 * Whether Dawn's native request can only fail here: on Linux it is a Vulkan request, and Dawn finds
 * Vulkan by dlopen("libvulkan.so.1"); without that loader it prints "Couldn't load Vulkan" on
 * stderr and finds no adapter. The same dlopen, asked first (a library that is no Node addon loads
 * and is refused as one, "did not self-register"; a missing one fails to open), skips that request.
 * DAWNNODE_BACKEND makes Dawn's default request another backend, which is then left to Dawn.
 */
function vulkanLoaderMissing(): boolean {
  if (process.platform !== 'linux' || process.env.DAWNNODE_BACKEND) return false;
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, 'libvulkan.so.1');
  } catch (error) {
    return /cannot open shared object file/.test((error as Error).message);
  }
  return false;
}

async function findAdapter(backend: Backend): Promise<FoundAdapter> {
  if (backend !== 'auto' && backend !== 'opengles') {
    const found = await requestWithToggles([`backend=${backend}`], 'core');
    if (found) return { ...found, backend, featureLevel: 'core' };
    throw new NoAdapterError(`No WebGPU adapter on backend '${backend}'. ${MESA_HINT}${backend === 'vulkan' ? ` ${SWIFTSHADER_HINT}` : ''}`);
  }
  if (backend === 'auto' && !vulkanLoaderMissing()) {
    const found = await requestWithToggles([], 'core');
    if (found && !found.adapter.info.isFallbackAdapter) return { ...found, backend: 'native', featureLevel: 'core' };
  }
  // Dawn's GLES backend needs an EGL display without a window system.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const found = await requestFrom(['backend=opengles'], 'compatibility');
  if (found) return { ...found, backend: 'opengles', featureLevel: 'compatibility' };
  throw new NoAdapterError(`No WebGPU adapter could be had (tried ${backend === 'auto' ? 'native, then ' : ''}OpenGL ES). ${MESA_HINT}`);
}

export async function createDevice(options: DeviceOptions = {}): Promise<Device> {
  // Node has no GPUBufferUsage & co. until Dawn's are installed.
  if (!('GPUBufferUsage' in globalThis)) Object.assign(globalThis, globals);
  return deviceFromAdapter(await findAdapter(options.backend ?? 'auto'), options, readShaderFile);
}
