// attention_backward (shaders/lib/attention-backward.wgsl) for heads up to 128 wide.
const MAX_VEC = 32u;
#include "lib/attention-backward.wgsl"
