// 4-bit weights (src/quant/layouts.ts sets every constant here): a weight (N,K) flattened
// row-major, eight codes per u32 word, value i = codebook[code i] · scale[i / BLOCK].
// Bindings 2..4 are the same in every kernel that includes this file; call loadCodebook from
// uniform control flow before the first weightAt (it holds a barrier).
#include "lib/storage.wgsl"

override BLOCK: u32 = 64u;               // values per scale (layout.blockSize, a multiple of 8)
override SCALE_DTYPE: u32 = 0u;          // DTYPES shaderCode of the scales (f32 nf4, f16 q4)
override FIRST_NIBBLE_HIGH: bool = true; // value 2i in the high nibble of byte i (bitsandbytes)

@group(0) @binding(2) var<storage, read> codes: array<u32>;
@group(0) @binding(3) var<storage, read> scales: array<u32>;
@group(0) @binding(4) var<storage, read> table: array<f32, 16>;

var<workgroup> codebook: array<f32, 16>;

fn loadCodebook(li: u32) {
  if (li < 16u) { codebook[li] = table[li]; }
  workgroupBarrier();
}

// Bit offset of value i (mod 8) in its little-endian word: byte i/2, then the layout's nibble.
fn nibbleShift(i: u32) -> u32 {
  let high = ((i & 1u) == 0u) == FIRST_NIBBLE_HIGH;
  return ((i >> 1u) & 3u) * 8u + select(0u, 4u, high);
}

fn codeValue(word: u32, i: u32) -> f32 {
  return codebook[(word >> nibbleShift(i)) & 15u];
}

fn scaleAt(block: u32) -> f32 {
  return decodeFloat(scales[wordOf(block, SCALE_DTYPE)], SCALE_DTYPE, block);
}

// Value i of this chunk, dequantized in registers.
fn weightAt(i: u32) -> f32 {
  return codeValue(codes[i >> 3u], i) * scaleAt(i / BLOCK);
}
