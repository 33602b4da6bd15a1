// attention_backward_texture (shaders/lib/attention-backward-texture.wgsl) for heads up to 64 wide.
const MAX_VEC = 16u;
#include "lib/attention-backward-texture.wgsl"
