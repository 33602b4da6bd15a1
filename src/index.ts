// The public API of wgml, by name.
export { createDevice, Device, type Backend, type DeviceOptions, type DeviceFeatures, type AdapterSummary } from './gpu/device.js';
export { Tensor, type Shape, type Chunk } from './tensor/tensor.js';
export { type DType } from './tensor/dtype.js';
export { matmul, type MatmulOptions } from './tensor/ops/matmul.js';
export { WgmlError, NoAdapterError, ShapeMismatchError, ShaderCompileError, CheckpointFormatError, ConfigError } from './errors.js';
export { openSafetensors, writeSafetensors, SafetensorsReader } from './io/safetensors.js';
export { readQwenConfig, parseQwenConfig, readGenerationConfig, type QwenConfig, type GenerationConfig } from './io/config.js';
export { loadTokenizer, Tokenizer } from './io/tokenizer.js';
