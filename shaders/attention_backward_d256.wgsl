// attention_backward (shaders/lib/attention-backward.wgsl) for heads up to 256 wide.
const MAX_VEC = 64u;
#include "lib/attention-backward.wgsl"
