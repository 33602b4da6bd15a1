// attention_backward_kv (shaders/lib/attention-backward-kv.wgsl) for heads up to 128 wide.
const MAX_VEC = 32u;
#include "lib/attention-backward-kv.wgsl"
