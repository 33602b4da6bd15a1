// attention_backward_kv (shaders/lib/attention-backward-kv.wgsl) for heads up to 64 wide.
const MAX_VEC = 16u;
#include "lib/attention-backward-kv.wgsl"
