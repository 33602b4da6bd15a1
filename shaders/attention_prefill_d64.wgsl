// attention_prefill (shaders/lib/attention-prefill.wgsl) for heads up to 64 wide.
const MAX_VEC = 16u;
#include "lib/attention-prefill.wgsl"
