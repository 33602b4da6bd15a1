// Kernel registry: one shader module per file, one pipeline per (file, entry, overrides), both cached.
import { ShaderCompileError } from '../errors.js';
import { loadShaderSource } from './shader-source.js';

export type Overrides = Record<string, number | boolean>;

export interface Kernel {
  readonly name: string;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

function describe(name: string, entry: string, overrides: Overrides): string {
  const consts = Object.entries(overrides).map(([k, v]) => `${k}=${Number(v)}`);
  return `${name}.wgsl:${entry}${consts.length ? `{${consts.join(',')}}` : ''}`;
}

export function formatCompileError(name: string, source: string, messages: readonly GPUCompilationMessage[]): string {
  const lines = source.split('\n');
  const parts = messages
    .filter((m) => m.type === 'error')
    .map((m) => {
      const context = lines
        .slice(Math.max(0, m.lineNum - 3), m.lineNum + 1)
        .map((l, i) => `${String(Math.max(1, m.lineNum - 2) + i).padStart(5)} | ${l}`)
        .join('\n');
      return `${name}.wgsl:${m.lineNum}:${m.linePos}: ${m.message}\n${context}`;
    });
  return `WGSL compile error in ${name}.wgsl\n${parts.join('\n')}`;
}

export class KernelRegistry {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly kernels = new Map<string, Kernel>();
  private readonly pending: Promise<string | null>[] = [];

  constructor(
    private readonly gpu: GPUDevice,
    private readonly readShader: (file: string) => string,
  ) {}

  get(name: string, overrides: Overrides = {}, entry = 'main'): Kernel {
    const key = describe(name, entry, overrides);
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.build(name, entry, overrides, key);
      this.kernels.set(key, kernel);
    }
    return kernel;
  }

  /** Throws the first compile or pipeline error seen so far; errors arrive asynchronously from the GPU. */
  async check(): Promise<void> {
    const results = await Promise.all(this.pending.splice(0));
    const error = results.find((r) => r !== null);
    if (error) throw new ShaderCompileError(error);
  }

  private module(name: string): GPUShaderModule {
    let module = this.modules.get(name);
    if (!module) {
      const code = loadShaderSource(name, this.readShader);
      module = this.gpu.createShaderModule({ label: name, code });
      this.pending.push(
        module.getCompilationInfo().then((info) => {
          const failed = info.messages.some((m) => m.type === 'error');
          return failed ? formatCompileError(name, code, info.messages) : null;
        }),
      );
      this.modules.set(name, module);
    }
    return module;
  }

  private build(name: string, entry: string, overrides: Overrides, key: string): Kernel {
    const module = this.module(name);
    const constants: Record<string, number> = {};
    for (const [k, v] of Object.entries(overrides)) constants[k] = Number(v);
    this.gpu.pushErrorScope('validation');
    const pipeline = this.gpu.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: { module, entryPoint: entry, constants },
    });
    this.pending.push(this.gpu.popErrorScope().then((e) => (e ? `Pipeline ${key}: ${e.message}` : null)));
    return { name: key, pipeline, layout: pipeline.getBindGroupLayout(0) };
  }
}
