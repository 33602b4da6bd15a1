// attention_prefill_texture (shaders/lib/attention-prefill-texture.wgsl) for heads up to 64 wide.
const MAX_VEC = 16u;
#include "lib/attention-prefill-texture.wgsl"
