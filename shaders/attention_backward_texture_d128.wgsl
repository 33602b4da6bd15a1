// attention_backward_texture (shaders/lib/attention-backward-texture.wgsl) for heads up to 128 wide.
const MAX_VEC = 32u;
#include "lib/attention-backward-texture.wgsl"
