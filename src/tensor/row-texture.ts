// Tensor rows as textures, for the CPU adapters' texture products (shaders/matvec_texture.wgsl,
// shaders/matmul_texture.wgsl): rgba32uint texels (eight 16-bit or four f32 values each) in 2-D
// array textures, one row per texel row, layerRows() rows a layer. A frozen weight's textures are
// copied once and freed with its storage (Tensor.derived); an activation's rows are copied, before
// each product, into a scratch texture the device keeps per shape.
import type { Device } from '../gpu/device.js';
import { DTYPES } from './dtype.js';
import type { Tensor } from './tensor.js';

/** bytesPerRow of a buffer-to-texture copy must be a multiple of 256. */
const ROW_BYTES_ALIGN = 256;

/** Rows per texture layer: the device's 2-D limit, a power of two so the kernels' divide is a shift. */
export function layerRows(device: Device): number {
  return 2 ** Math.floor(Math.log2(device.limits.maxTextureDimension2D));
}

/** Whether `rows` rows of `cols` values of `bits` each fit row textures on `device`. */
export function rowsFitTextures(device: Device, bits: number, cols: number, rows: number): boolean {
  const bytes = (cols * bits) / 8;
  if (bytes % ROW_BYTES_ALIGN !== 0 || bytes / 16 > device.limits.maxTextureDimension2D) return false;
  return Math.ceil(rows / layerRows(device)) <= device.limits.maxTextureArrayLayers;
}

/** Whether `t`'s rows fit textures: a frozen 16-bit weight (f32 ones may be trained in place), every chunk. */
export function rowTexturesFit(t: Tensor): boolean {
  if (t.dtype !== 'bf16' && t.dtype !== 'f16') return false;
  return t.chunks.every((c) => rowsFitTextures(t.device, 16, t.cols, c.rows));
}

/** One 2-D array texture view per chunk of `t` (which must fit), recording the copies on first use. */
export function rowTextures(t: Tensor): GPUTextureView[] {
  const device = t.device;
  return t.derived('rowTextures', () => {
    const bytesPerRow = (t.cols * DTYPES[t.dtype].bits) / 8;
    const textures = t.chunks.map((c) => {
      const texture = textureFor(device, bytesPerRow / 16, c.rows);
      copyRows(device, c.buffer, bytesPerRow, c.rows, texture);
      return texture;
    });
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

interface Scratch {
  texture: GPUTexture;
  view: GPUTextureView;
}

const scratch = new WeakMap<Device, Map<string, Scratch>>();

/**
 * The first `rows` f32 rows of `cols` in `buffer`, copied into the device's scratch
 * texture for that slot (one per operand of a product) and shape (rows rounded up to a power of
 * two); a later copy into the same texture lands after the products recorded before it, so one
 * scratch serves every product in turn.
 */
export function stagedRows(device: Device, slot: string, buffer: GPUBuffer, rows: number, cols: number): GPUTextureView {
  const height = Math.min(layerRows(device), 2 ** Math.ceil(Math.log2(Math.max(rows, 1))));
  const layers = Math.ceil(rows / layerRows(device));
  const key = `${slot}:${cols}x${height}x${layers}`;
  let byShape = scratch.get(device);
  if (!byShape) scratch.set(device, (byShape = new Map()));
  let s = byShape.get(key);
  if (!s) {
    const texture = newRowTexture(device, cols / 4, height, layers);
    byShape.set(key, (s = { texture, view: texture.createView({ dimension: '2d-array' }) }));
  }
  copyRows(device, buffer, 4 * cols, rows, s.texture);
  return s.view;
}

/** A texture for `rows` rows of `width` texels: full layers of layerRows(), the last one's rows as needed. */
function textureFor(device: Device, width: number, rows: number): GPUTexture {
  return newRowTexture(device, width, Math.min(rows, layerRows(device)), Math.ceil(rows / layerRows(device)));
}

function newRowTexture(device: Device, width: number, height: number, layers: number): GPUTexture {
  return device.gpu.createTexture({
    size: [width, height, layers],
    format: 'rgba32uint',
    usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
    // Compatibility mode fixes a texture's view dimension at creation; one layer would default to 2-D.
    textureBindingViewDimension: '2d-array',
  } as GPUTextureDescriptor);
}

function copyRows(device: Device, buffer: GPUBuffer, bytesPerRow: number, rows: number, texture: GPUTexture): void {
  const perLayer = layerRows(device);
  for (let l = 0; l * perLayer < rows; l++) {
    device.recorder.copyToTexture(buffer, l * perLayer * bytesPerRow, bytesPerRow, texture, l, Math.min(perLayer, rows - l * perLayer));
  }
}
