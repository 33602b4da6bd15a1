// Shared by the row-per-thread attention kernels (lib/attention-prefill.wgsl and the backward pair): each of the
// ROWS threads owns one row (a query, or a key) and keeps its head vectors in private arrays; the rows it
// pairs with arrive TILE_ROWS at a time as two tiles in workgroup memory, tileA and tileB, row-major.
// Vectors are HEAD_VEC vec4s, zero-padded past HEAD_DIM to a multiple of 8 floats, and every loop over them
// takes 8 floats a step: at most 32 steps, which compilers unroll. That matters on llvmpipe, which ends all
// loops of an invocation once their iterations together pass 65535: the loops left are about two per key
// (or per query of the group) the thread visits.
// The includer defines loadA(i) and loadB(i): element i of the buffers behind tileA and tileB, and the
// kernel file MAX_VEC, the private arrays' vec4s: each kernel comes as <name>_d64, _d128 and _d256.wgsl,
// for heads up to 64, 128 and 256 wide, because arrays bigger than the head they hold ran llvmpipe's
// attention backward 1.2–1.45× slower (D = 128 and 64 in arrays sized for 256).

const ROWS = 64u;      // threads per workgroup, one row each

override HEAD_DIM: u32 = 64u;
override HEAD_VEC: u32 = (HEAD_DIM + 7u) / 8u * 2u;
override TILE_ROWS: u32 = 32u;  // ≤ ROWS; chosen so that both tiles fit the device's workgroup memory

alias Vec = array<vec4<f32>, MAX_VEC>;

var<workgroup> tileA: array<vec4<f32>, TILE_ROWS * HEAD_VEC>;
var<workgroup> tileB: array<vec4<f32>, TILE_ROWS * HEAD_VEC>;

// The workgroup's block of ROWS rows (queries or keys, `rows` in all) of one (b, head) among `heads`:
// workgroup (b·heads + head)·blocks + block, spread over x and y as grid() does. Spare workgroups are not valid.
// It holds nothing per invocation: a field derived from local_invocation_index would make the whole
// struct non-uniform to WGSL's analysis, and the barriers the kernels guard with `valid` would not compile.
struct RowBlock { valid: bool, row0: u32, head: u32, b: u32 }

fn rowBlock(wg: vec3<u32>, rows: u32, heads: u32) -> RowBlock {
  let blocks = (rows + ROWS - 1u) / ROWS;
  let cell = wg.x + wg.y * 65535u;
  return RowBlock(cell < p.B * heads * blocks, (cell % blocks) * ROWS, (cell / blocks) % heads, cell / (blocks * heads));
}

// Copies n ≤ TILE_ROWS rows, row r starting at element base + r·stride, into both tiles. Call from uniform
// control flow between barriers: the caller fences the previous tile's readers before and the readers after.
fn stageTiles(li: u32, n: u32, base: u32, stride: u32) {
  for (var i = li; i < n * HEAD_VEC; i += ROWS) {
    let d = (i % HEAD_VEC) * 4u;
    let at = base + (i / HEAD_VEC) * stride + d;
    var a = vec4<f32>();
    var b = vec4<f32>();
    for (var e = 0u; e < 4u; e++) {
      if (d + e < HEAD_DIM) {
        a[e] = loadA(at + e);
        b[e] = loadB(at + e);
      }
    }
    tileA[i] = a;
    tileB[i] = b;
  }
}

fn dotA(x: ptr<function, Vec>, j: u32) -> f32 {
  var s = vec4<f32>();
  for (var c = 0u; c < HEAD_VEC; c += 2u) {
    s = fma((*x)[c], tileA[j * HEAD_VEC + c], s);
    s = fma((*x)[c + 1u], tileA[j * HEAD_VEC + c + 1u], s);
  }
  return (s.x + s.y) + (s.z + s.w);
}

fn dotB(x: ptr<function, Vec>, j: u32) -> f32 {
  var s = vec4<f32>();
  for (var c = 0u; c < HEAD_VEC; c += 2u) {
    s = fma((*x)[c], tileB[j * HEAD_VEC + c], s);
    s = fma((*x)[c + 1u], tileB[j * HEAD_VEC + c + 1u], s);
  }
  return (s.x + s.y) + (s.z + s.w);
}

// acc += w · row j of tileA
fn addA(acc: ptr<function, Vec>, w: f32, j: u32) {
  for (var c = 0u; c < HEAD_VEC; c += 2u) {
    (*acc)[c] = fma(vec4(w), tileA[j * HEAD_VEC + c], (*acc)[c]);
    (*acc)[c + 1u] = fma(vec4(w), tileA[j * HEAD_VEC + c + 1u], (*acc)[c + 1u]);
  }
}

fn addB(acc: ptr<function, Vec>, w: f32, j: u32) {
  for (var c = 0u; c < HEAD_VEC; c += 2u) {
    (*acc)[c] = fma(vec4(w), tileB[j * HEAD_VEC + c], (*acc)[c]);
    (*acc)[c + 1u] = fma(vec4(w), tileB[j * HEAD_VEC + c + 1u], (*acc)[c + 1u]);
  }
}

fn scaleVec(x: ptr<function, Vec>, w: f32) {
  for (var c = 0u; c < HEAD_VEC; c += 2u) {
    (*x)[c] *= w;
    (*x)[c + 1u] *= w;
  }
}

// Lanes of vec4 c that lie inside the head rather than in its padding. Row vectors are filled and read a
// vec4 at a time, never by a computed float index, so compilers can keep them in registers.
fn inHead(c: u32) -> vec4<bool> {
  return vec4<u32>(4u * c) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(HEAD_DIM);
}
