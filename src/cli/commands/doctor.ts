// `wgml doctor [--backend cuda]`: whether this machine can run wgml, and with --backend cuda whether
// it can hand steps to the CUDA path. Each line is one finding; every one that is not ready says the
// command that fixes it. The exit status is 0 when everything asked about is ready, 1 when not.
import { type Backend } from '../../gpu/device.js';
import { createDevice } from '../../platform/node.js';
import { cudaFindings, probeCuda, type Finding } from '../../cuda/probe.js';

export interface DoctorOptions {
  /** cuda: also the Python worker, its packages, CUDA and the GPUs. */
  backend?: 'webgpu' | 'cuda';
  /** The WebGPU backend to ask Dawn for (as `wgml info --backend`). */
  webgpuBackend?: Backend;
  /** The worker's interpreter; default $WGML_PYTHON or python3. */
  python?: string;
  log?: (line: string) => void;
}

async function webgpuFindings(backend: Backend | undefined): Promise<Finding[]> {
  let device;
  try {
    device = await createDevice({ backend });
  } catch (error) {
    return [{ name: 'webgpu', value: 'no adapter', ok: false, fix: (error as Error).message }];
  }
  try {
    const { info, features, limits } = device;
    const names = [info.device, info.description, info.vendor].filter((s) => s).join(' · ') || '(unnamed)';
    return [
      { name: 'webgpu', value: `${names}; backend ${info.backend} (${info.featureLevel})`, ok: true },
      { name: 'features', value: `shader-f16 ${features.shaderF16 ? 'yes' : 'no'}, subgroups ${features.subgroups ? 'yes' : 'no'}, max binding ${(limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB`, ok: true },
    ];
  } finally {
    device.destroy();
  }
}

/** The report, line by line, through `log`; resolves to the exit status. */
export async function runDoctor(options: DoctorOptions = {}): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  const findings = await webgpuFindings(options.webgpuBackend);
  if (options.backend === 'cuda') findings.push(...cudaFindings(await probeCuda(options.python)));
  const width = Math.max(...findings.map((f) => f.name.length));
  for (const f of findings) log(`${f.ok ? 'ok     ' : 'MISSING'} ${f.name.padEnd(width)}  ${f.value}`);
  const missing = findings.filter((f) => !f.ok);
  // One line per distinct fix: every missing package shares the one pip command.
  const fixes = [...new Set(missing.map((f) => f.fix!))];
  for (const fix of fixes) log(`fix: ${missing.filter((f) => f.fix === fix).map((f) => f.name).join(', ')}: ${fix}`);
  log(missing.length ? `not ready: ${missing.map((f) => f.name).join(', ')}` : `ready${options.backend === 'cuda' ? ' (webgpu and cuda)' : ''}`);
  return missing.length ? 1 : 0;
}
