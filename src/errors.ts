// Typed errors: the class name says what went wrong, the message says how to fix it.

export class WgmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No WebGPU adapter could be had; the message names the missing packages or drivers. */
export class NoAdapterError extends WgmlError {}

/** Operand shapes or dtypes do not fit an op; thrown before anything is dispatched. */
export class ShapeMismatchError extends WgmlError {}

/** A WGSL shader failed to load or compile; the message carries name, line and source. */
export class ShaderCompileError extends WgmlError {}

/** A checkpoint, safetensors file or model directory is malformed or inconsistent. */
export class CheckpointFormatError extends WgmlError {}

/** A config file or request body failed validation; the message names the field. */
export class ConfigError extends WgmlError {}
