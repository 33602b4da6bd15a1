// attention_backward_kv_texture (shaders/lib/attention-backward-kv-texture.wgsl) for heads up to 128 wide.
const MAX_VEC = 32u;
#include "lib/attention-backward-kv-texture.wgsl"
