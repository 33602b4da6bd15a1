// attention_backward_kv_texture (shaders/lib/attention-backward-kv-texture.wgsl) for heads up to 64 wide.
const MAX_VEC = 16u;
#include "lib/attention-backward-kv-texture.wgsl"
