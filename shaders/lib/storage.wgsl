// Float storage decoding shared by kernels: tensors of dtype f32, bf16 or f16 are bound as
// array<u32>; 16-bit values sit two per word, element i in the low half when i is even.
// `code` is a DTYPES shaderCode (0 f32, 1 bf16, 2 f16), passed as an override so the branch folds.

fn decodeFloat(words: u32, code: u32, index: u32) -> f32 {
  if (code == 0u) {
    return bitcast<f32>(words);
  }
  let half = select(words & 0xffffu, words >> 16u, (index & 1u) == 1u);
  if (code == 1u) {
    return bitcast<f32>(half << 16u);
  }
  return unpack2x16float(half).x;
}

// Word index of element i in a tensor of the given code.
fn wordOf(index: u32, code: u32) -> u32 {
  return select(index, index >> 1u, code != 0u);
}
