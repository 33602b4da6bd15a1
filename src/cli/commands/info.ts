// `wgml info`: adapter, backend, features and the limits kernels size themselves by.
import type { Device } from '../../gpu/device.js';

const SHOWN_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
] as const;

export function printInfo(device: Device): void {
  const { info, features, limits } = device;
  const names = [info.device, info.description, info.vendor, info.architecture].filter((s) => s);
  console.log(`adapter   ${names.join(' · ') || '(unnamed)'}`);
  console.log(`backend   ${info.backend} (${info.featureLevel})`);
  console.log(`features  shader-f16: ${features.shaderF16 ? 'yes' : 'no'}, subgroups: ${features.subgroups ? 'yes' : 'no'}`);
  console.log('limits');
  for (const name of SHOWN_LIMITS) console.log(`  ${name.padEnd(36)} ${limits[name]}`);
}
