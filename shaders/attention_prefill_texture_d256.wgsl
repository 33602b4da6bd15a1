// attention_prefill_texture (shaders/lib/attention-prefill-texture.wgsl) for heads up to 256 wide.
const MAX_VEC = 64u;
#include "lib/attention-prefill-texture.wgsl"
