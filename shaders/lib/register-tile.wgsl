// The register-blocked core shared by the tiled products (matmul.wgsl, quant_matmul.wgsl): a
// (16·TM)×(16·TN) output tile per 16×16 workgroup, each thread a TM×TN block strided by 16
// (conflict-free workgroup reads), the inner dimension staged BK at a time in As and Bs.
// TM=TN=8 needs 16 KiB and 256 invocations, WebGPU's guaranteed minimum (see matmulTile).

override TM: u32 = 8u;  // rows per thread
override TN: u32 = 8u;  // columns per thread
override BM = 16u * TM;
override BN = 16u * TN;
const BK = 16u;
const MAX_T = 8u;  // register arrays need a constant size; TM, TN ≤ MAX_T

var<workgroup> As: array<f32, BK * BM>;  // As[k * BM + m]
var<workgroup> Bs: array<f32, BK * BN>;  // Bs[k * BN + n]

// acc += the staged As·Bs slice; call between the barriers that bracket a staged slice.
fn accumulateTile(lid: vec3<u32>, acc: ptr<function, array<array<f32, MAX_T>, MAX_T>>) {
  for (var k = 0u; k < BK; k++) {
    var av: array<f32, MAX_T>;
    var bv: array<f32, MAX_T>;
    for (var i = 0u; i < TM; i++) { av[i] = As[k * BM + lid.y + 16u * i]; }
    for (var j = 0u; j < TN; j++) { bv[j] = Bs[k * BN + lid.x + 16u * j]; }
    for (var i = 0u; i < TM; i++) {
      for (var j = 0u; j < TN; j++) { (*acc)[i][j] = fma(av[i], bv[j], (*acc)[i][j]); }
    }
  }
}
