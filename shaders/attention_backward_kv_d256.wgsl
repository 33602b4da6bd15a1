// attention_backward_kv (shaders/lib/attention-backward-kv.wgsl) for heads up to 256 wide.
const MAX_VEC = 64u;
#include "lib/attention-backward-kv.wgsl"
