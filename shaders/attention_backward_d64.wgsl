// attention_backward (shaders/lib/attention-backward.wgsl) for heads up to 64 wide.
const MAX_VEC = 16u;
#include "lib/attention-backward.wgsl"
