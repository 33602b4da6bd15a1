// attention_prefill (shaders/lib/attention-prefill.wgsl) for heads up to 128 wide.
const MAX_VEC = 32u;
#include "lib/attention-prefill.wgsl"
