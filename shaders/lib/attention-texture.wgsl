// Shared by the CPU adapters' row-per-thread attention kernels (lib/attention-prefill-texture.wgsl and the
// backward pair lib/attention-backward-texture.wgsl, lib/attention-backward-kv-texture.wgsl): each of the ROWS
// threads owns one row (a query, or a key) and keeps its head vectors in private arrays, reading the rows it
// pairs with straight from 2-D array row textures (row r at texel row r % LAYER_ROWS of layer r / LAYER_ROWS,
// as src/tensor/row-texture.ts lays them). No workgroup memory and no barriers: llvmpipe (Mesa 22.3) loads
// workgroup memory one lane at a time through the stack, and gathers texel fetches in registers.
// Loops over a head take a vec4 a step, at most 64, which compilers unroll; the loops left are over the
// rows a thread visits, and llvmpipe ends an invocation's loops once their iterations together pass 65535.
// The kernel file defines MAX_VEC, the private arrays' vec4s (<name>_d64, _d128 and _d256.wgsl).

const ROWS = 64u;  // threads per workgroup, one row each

override HEAD_DIM: u32 = 64u;
override HEAD_VEC: u32 = HEAD_DIM / 4u;
override LAYER_ROWS: u32 = 4096u;

alias Vec = array<vec4<f32>, MAX_VEC>;

fn texel(t: texture_2d_array<u32>, row: u32, c: u32) -> vec4<f32> {
  return bitcast<vec4<f32>>(textureLoad(t, vec2<u32>(c, row % LAYER_ROWS), row / LAYER_ROWS, 0));
}

// This thread's (row, head, b): workgroup (b·heads + head)·blocks + block of ROWS rows among `rows`, spread
// over x and y as grid() does. b ≥ B for a spare workgroup.
fn threadRow(wg: vec3<u32>, li: u32, rows: u32, heads: u32) -> vec3<u32> {
  let blocks = (rows + ROWS - 1u) / ROWS;
  let cell = wg.x + wg.y * 65535u;
  return vec3<u32>((cell % blocks) * ROWS + li, (cell / blocks) % heads, cell / (blocks * heads));
}

fn sum4(x: vec4<f32>) -> f32 {
  return (x.x + x.y) + (x.z + x.w);
}
