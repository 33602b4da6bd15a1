// What kind of processor an adapter is, from the names it reports, and the kernel variants that
// follow from it. A CPU adapter (Mesa llvmpipe/lavapipe/softpipe, SwiftShader, WARP) runs a
// workgroup as one thread, looping over its invocations: barriers split that loop and workgroup
// memory is only more memory, so it wants work per invocation and no reductions. A GPU wants
// many lanes per output and a reduction in fast shared memory.
import type { AdapterSummary, DeviceFeatures } from './device.js';

export type AdapterKind = 'cpu' | 'gpu';

const CPU_ADAPTERS = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i;

export function adapterKind(info: AdapterSummary): AdapterKind {
  return CPU_ADAPTERS.test([info.device, info.description, info.vendor, info.architecture].join(' ')) ? 'cpu' : 'gpu';
}

/**
 * Decode products (few rows against a weight read once): 'lanes' = shaders/matvec.wgsl,
 * shaders/quant_matvec.wgsl (lanes per column, a tree reduction); 'columns' =
 * shaders/matvec_columns.wgsl, shaders/quant_matvec_columns.wgsl (a column per invocation, vec4 loads);
 * 'subgroups' = shaders/matvec_subgroups.wgsl (lanes, reduced by subgroup shuffles; float weights only);
 * 'textures' = shaders/matvec_texture.wgsl (columns reading frozen 16-bit weights from textures:
 * what a CPU adapter picks for them where they fit).
 */
export type MatvecVariant = 'lanes' | 'columns' | 'subgroups' | 'textures';

/** A CPU adapter's columns, a GPU's lanes, reduced in subgroups where the device has them (`features` given). */
export function matvecVariant(info: AdapterSummary, features?: DeviceFeatures): MatvecVariant {
  if (adapterKind(info) === 'cpu') return 'columns';
  return features?.subgroups ? 'subgroups' : 'lanes';
}
