// The op shared by elementwise.wgsl (a thread per element) and elementwise_vec4.wgsl (per four): the
// uniform block, the OP override and the op itself on four lanes (the scalar kernel splats).

struct Params {
  n: u32,        // elements in this chunk
  bBase: u32,    // b index of the chunk's first element
  bPeriod: u32,  // elements of b seen by this dispatch before it repeats
  scale: f32,
}

const OP_ADD = 0u;
const OP_MUL = 1u;
const OP_SCALE = 2u;
const OP_SILU_MUL = 3u;

override OP: u32 = OP_ADD;

// OP of x and (unless OP_SCALE) y.
fn combine(x: vec4<f32>, y: vec4<f32>) -> vec4<f32> {
  switch OP {
    case OP_ADD: { return x + y; }
    case OP_MUL: { return x * y; }
    case OP_SCALE: { return x * p.scale; }
    default: { return x / (1.0 + exp(-x)) * y; }
  }
}
