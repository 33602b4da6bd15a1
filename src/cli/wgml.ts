#!/usr/bin/env node
// `wgml` command line: adapter info and benchmarks.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createDevice, type Backend, type Device } from '../gpu/device.js';

const BackendSchema = z.enum(['auto', 'vulkan', 'metal', 'd3d12', 'opengles']) satisfies z.ZodType<Backend>;

const USAGE = `usage: wgml <command> [options]
  info                          adapter, backend, features and limits
  bench [kernels]               kernel benchmarks → bench/results/<suite>.json
options:
  --backend auto|vulkan|metal|d3d12|opengles`;

function printInfo(device: Device): void {
  const { info, features, limits } = device;
  const names = [info.device, info.description, info.vendor, info.architecture].filter((s) => s);
  console.log(`adapter   ${names.join(' · ') || '(unnamed)'}`);
  console.log(`backend   ${info.backend} (${info.featureLevel})`);
  console.log(`features  shader-f16: ${features.shaderF16 ? 'yes' : 'no'}, subgroups: ${features.subgroups ? 'yes' : 'no'}`);
  console.log('limits');
  for (const name of [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxStorageBuffersPerShaderStage',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupsPerDimension',
  ] as const) {
    console.log(`  ${name.padEnd(36)} ${limits[name]}`);
  }
}

async function runBench(device: Device, suite: string): Promise<void> {
  if (suite !== 'kernels') throw new Error(`unknown bench suite '${suite}' (available: kernels)`);
  const { benchKernels } = await import('../../bench/kernels.js');
  await benchKernels(device);
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { backend: { type: 'string', default: 'auto' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (command !== 'info' && command !== 'bench') throw new Error(`unknown command '${command}'\n${USAGE}`);
  const backend = BackendSchema.safeParse(values.backend);
  if (!backend.success) throw new Error(`--backend: expected one of ${BackendSchema.options.join(', ')}, got '${values.backend}'`);
  const device = await createDevice({ backend: backend.data });
  try {
    if (command === 'info') printInfo(device);
    else await runBench(device, rest[0] ?? 'kernels');
  } finally {
    device.destroy();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
