// attention_backward_kv_texture (shaders/lib/attention-backward-kv-texture.wgsl) for heads up to 256 wide.
const MAX_VEC = 64u;
#include "lib/attention-backward-kv-texture.wgsl"
