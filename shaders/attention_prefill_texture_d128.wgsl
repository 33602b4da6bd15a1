// attention_prefill_texture (shaders/lib/attention-prefill-texture.wgsl) for heads up to 128 wide.
const MAX_VEC = 32u;
#include "lib/attention-prefill-texture.wgsl"
