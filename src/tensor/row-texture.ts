// A frozen 16-bit weight's rows as textures, for the CPU adapters' texture decode product
// (shaders/matvec_texture.wgsl): each storage chunk copied once into a 2-D array texture of
// rgba32uint texels (eight 16-bit values each), one weight row per texel row, LAYER_ROWS rows a
// layer. Made on first use, freed with the tensor's storage (Tensor.derived).
import type { Device } from '../gpu/device.js';
import type { Tensor } from './tensor.js';

/** bytesPerRow of a buffer-to-texture copy must be a multiple of 256: rows of 128 16-bit values. */
const ROW_ALIGN = 128;

/** Rows per texture layer: the device's 2-D limit, a power of two so the kernel's divide is a shift. */
export function layerRows(device: Device): number {
  return 2 ** Math.floor(Math.log2(device.limits.maxTextureDimension2D));
}

/** Whether `t`'s rows fit textures on its device: 16-bit, rows of whole 256-byte lines, every chunk within the layer limit. */
export function rowTexturesFit(t: Tensor): boolean {
  if ((t.dtype !== 'bf16' && t.dtype !== 'f16') || t.cols % ROW_ALIGN !== 0) return false;
  const { limits } = t.device;
  if (t.cols / 8 > limits.maxTextureDimension2D) return false;
  return t.chunks.every((c) => Math.ceil(c.rows / layerRows(t.device)) <= limits.maxTextureArrayLayers);
}

/** One 2-D array texture view per chunk of `t` (which must fit), recording the copies on first use. */
export function rowTextures(t: Tensor): GPUTextureView[] {
  const device = t.device;
  return t.derived('rowTextures', () => {
    const textures = t.chunks.map((c) => chunkTexture(device, c.buffer, c.rows, t.cols));
    return {
      views: textures.map((tex) => tex.createView({ dimension: '2d-array' })),
      destroy() {
        // Work recorded with them must be submitted first.
        device.flush();
        for (const tex of textures) tex.destroy();
      },
    };
  }).views;
}

function chunkTexture(device: Device, buffer: GPUBuffer, rows: number, cols: number): GPUTexture {
  const perLayer = layerRows(device);
  const layers = Math.ceil(rows / perLayer);
  const bytesPerRow = cols * 2;
  const texture = device.gpu.createTexture({
    size: [cols / 8, Math.min(rows, perLayer), layers],
    format: 'rgba32uint',
    usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
    // Compatibility mode fixes a texture's view dimension at creation; one layer would default to 2-D.
    textureBindingViewDimension: '2d-array',
  } as GPUTextureDescriptor);
  for (let l = 0; l < layers; l++) {
    device.recorder.copyToTexture(buffer, l * perLayer * bytesPerRow, bytesPerRow, texture, l, Math.min(perLayer, rows - l * perLayer));
  }
  return texture;
}
