// The 4×4 register-block product (lib/register-gemm.wgsl) for skinny outputs on CPU adapters: M or N
// ≤ 32 (LoRA's rank side), where a 128×128 staged tile is mostly padding and its barriers split
// llvmpipe's one-thread workgroup loop.
const R = 4u;
#include "lib/register-gemm.wgsl"
