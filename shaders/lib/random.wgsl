// The counter-based randomness of src/cpu/random.ts, bit for bit: u32 products wrap mod 2^32 here
// as Math.imul(..) >>> 0 does there, so the GPU and the CPU draw the same u for (seed, counter).

// PCG-style 32-bit hash (O'Neill's RXS-M-XS output on one LCG step).
fn pcgHash(x: u32) -> u32 {
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// Uniform in [0,1) with 24 bits, exact in f32 (the multiply by 2^-24 is exact too).
fn uniformAt(seed: u32, counter: u32) -> f32 {
  return f32(pcgHash(pcgHash(seed) ^ counter) >> 8u) * 5.9604644775390625e-8;
}
