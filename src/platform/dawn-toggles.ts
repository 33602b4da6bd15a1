// The Dawn toggles a Node device asks for, by adapter. Dawn keeps shader-f16 off on NVIDIA's
// Vulkan driver (conformance failures, crbug.com/42251215) unless vulkan_enable_f16_on_nvidia is
// on; use_vulkan_memory_model has Tint emit SPIR-V under the Vulkan memory model, which Dawn's
// subgroup-matrix features require on Vulkan. llama.cpp and ONNX Runtime's WebGPU backends
// request both on Vulkan. Other adapters get Dawn's defaults. (A browser takes no toggles from a page.)

const NVIDIA = /nvidia/i;

export function dawnToggles(info: Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>): string[] {
  const names = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return NVIDIA.test(names) ? ['vulkan_enable_f16_on_nvidia', 'use_vulkan_memory_model'] : [];
}

/** dawn.node's instance flag for `toggles` (it applies them to the instance, its adapters and their devices). */
export function toggleFlags(toggles: readonly string[]): string[] {
  return toggles.length > 0 ? [`enable-dawn-features=${toggles.join(',')}`] : [];
}
