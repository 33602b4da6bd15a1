// attention_prefill (shaders/lib/attention-prefill.wgsl) for heads up to 256 wide.
const MAX_VEC = 64u;
#include "lib/attention-prefill.wgsl"
