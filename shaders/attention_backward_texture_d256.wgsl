// attention_backward_texture (shaders/lib/attention-backward-texture.wgsl) for heads up to 256 wide.
const MAX_VEC = 64u;
#include "lib/attention-backward-texture.wgsl"
