// The 16×16 register-block product (lib/register-gemm.wgsl) for wide outputs on CPU adapters (prefill,
// the training step's base products): 16+16 loads per 256 FMAs, where llvmpipe's per-lane storage
// loads are the cost. 2.2–2.4× the staged tile at the bench model's shapes; a 32×32 block ran 1.3×
// faster again but took llvmpipe 8–9 s to compile (this one about 1 s).
const R = 16u;
#include "lib/register-gemm.wgsl"
