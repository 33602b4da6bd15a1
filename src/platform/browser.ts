// The browser platform: a Device on navigator.gpu with the shaders embedded in the bundle, and
// models loaded from a URL (HTTP Range requests: a multi-GB safetensors file is read a tensor at a
// time, never whole) or from files the user picked. The entry point of the "wgml/browser" bundle.
import { NoAdapterError } from '../errors.js';
import type { Device, DeviceOptions } from '../gpu/device.js';
import type { Model } from '../model/model.js';
import { deviceFromAdapter } from './adapter-device.js';
import { ModelFetchError, blobSource, openUrl, type FetchSourceOptions } from './byte-sources.js';
import { readEmbeddedShader } from './embedded-shaders.js';
import { cachedFiles } from './opfs-cache.js';
import { modelFromFiles, type BrowserLoadOptions, type ModelFiles } from './model-files.js';

export { ModelFetchError, bytesSource, blobSource, openUrl } from './byte-sources.js';
export type { BrowserLoadOptions, LoadProgress, ModelFiles } from './model-files.js';

const NO_WEBGPU =
  'This browser has no WebGPU (navigator.gpu is undefined). Use Chrome or Edge 113+ (Windows, macOS, ChromeOS; ' +
  'on Linux start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan, or enable chrome://flags/#enable-unsafe-webgpu), ' +
  'Safari 26+, or Firefox 141+ on Windows; WebGPU needs a secure context (https:// or http://localhost)';

/** navigator.gpu, or the error that says how to get it. */
function webGpu(): GPU {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new NoAdapterError(globalThis.isSecureContext === false ? `${NO_WEBGPU}; this page is not one (${globalThis.location?.origin})` : NO_WEBGPU);
  return gpu;
}

/** A Device on navigator.gpu: the browser's best adapter, shaders from the bundle. */
export async function createDevice(options: Omit<DeviceOptions, 'backend'> = {}): Promise<Device> {
  const gpu = webGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new NoAdapterError(
      'navigator.gpu gave no adapter: WebGPU is blocked or unsupported on this GPU or driver (see chrome://gpu); ' +
        'for a software adapter start Chrome with --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader',
    );
  }
  return deviceFromAdapter({ instance: gpu, adapter, backend: 'browser', featureLevel: 'core' }, options, readEmbeddedShader);
}

/** Counts weight bytes across every file opened, for onProgress. */
function progress(options: BrowserLoadOptions): { onBytes: (n: number) => void; opened: (size: number) => void } {
  let loaded = 0;
  let total = 0;
  return {
    onBytes: (n) => {
      loaded += n;
      options.onProgress?.({ loaded, total });
    },
    opened: (size) => {
      total += size;
    },
  };
}

/** A model directory at a URL (resolved against the page), e.g. 'https://huggingface.co/Qwen/Qwen3-0.6B/resolve/main/'. */
export function urlFiles(url: string, options: FetchSourceOptions & { opened?: (size: number) => void } = {}): ModelFiles {
  const base = new URL(url.endsWith('/') ? url : `${url}/`, globalThis.location?.href).href;
  const get = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  return {
    dir: base,
    async text(name) {
      const response = await get(base + name);
      if (response.status === 404) return null;
      if (!response.ok) throw new ModelFetchError(`${base + name}: HTTP ${response.status} ${response.statusText}`);
      return response.text();
    },
    async open(name) {
      const source = await openUrl(base + name, { ...options, fetch: get });
      if (source) options.opened?.(source.size);
      return source;
    },
  };
}

/** Files the user picked (an <input type=file multiple> or a folder's files), by name. */
export function pickedFiles(files: Iterable<File>, dir = 'picked files/', onBytes?: (n: number) => void, opened?: (size: number) => void): ModelFiles {
  const byName = new Map([...files].map((f) => [f.name, f]));
  return {
    dir,
    text: async (name) => (await byName.get(name)?.text()) ?? null,
    async open(name) {
      const file = byName.get(name);
      if (!file) return null;
      opened?.(file.size);
      return blobSource(dir + name, file, onBytes);
    },
  };
}

/** A HuggingFace model directory at `url` on this page's WebGPU device (made here unless options.device). */
export async function loadModel(
  url: string,
  options: BrowserLoadOptions & Pick<FetchSourceOptions, 'fetch' | 'warn'> & {
    /** Keep the files in this origin's private file system (OPFS) and read them from there next time. */
    cache?: boolean;
  } = {},
): Promise<Model> {
  // Before any download: a browser without WebGPU fails at once.
  if (!options.device) webGpu();
  const count = progress(options);
  const files = urlFiles(url, { fetch: options.fetch, warn: options.warn, onBytes: count.onBytes, opened: count.opened });
  const source = options.cache ? await cachedFiles(files, count.onBytes, count.opened) : files;
  return modelFromFiles(source, options, () => createDevice());
}

/** A model from files the user picked (config.json, tokenizer files, safetensors). */
export async function loadModelFromFiles(files: Iterable<File>, options: BrowserLoadOptions = {}): Promise<Model> {
  if (!options.device) webGpu();
  const count = progress(options);
  return modelFromFiles(pickedFiles(files, undefined, count.onBytes, count.opened), options, () => createDevice());
}

export { Model } from '../model/model.js';
export { modelFromFiles };
export { examplesFromJsonl, trainLoraSteps, type LoraStepsOptions } from './lora-steps.js';
export { adapterFiles } from './peft-export.js';
export { cachedFiles, clearModelCache } from './opfs-cache.js';
