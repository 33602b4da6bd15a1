import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseGenerationConfig, parseQwenConfig, readGenerationConfig, readQwenConfig } from '../../src/io/config.js';

// config.json of Qwen/Qwen2.5-0.5B-Instruct.
const qwen2 = {
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.43.1',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

// config.json of Qwen/Qwen3-0.6B: head_dim is explicit and differs from hidden/heads.
const qwen3 = {
  architectures: ['Qwen3ForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 1024,
  initializer_range: 0.02,
  intermediate_size: 3072,
  max_position_embeddings: 40960,
  max_window_layers: 28,
  model_type: 'qwen3',
  num_attention_heads: 16,
  num_hidden_layers: 28,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000,
  sliding_window: null,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.51.0',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

function configError(json: unknown): ConfigError {
  try {
    parseQwenConfig(json, '/models/x/config.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseQwenConfig', () => {
  it('reads a Qwen2 config: head_dim from hidden/heads, q/k/v bias, no q/k norm', () => {
    expect(parseQwenConfig(qwen2, 'config.json')).toEqual({
      architecture: 'Qwen2ForCausalLM',
      modelType: 'qwen2',
      hiddenSize: 896,
      intermediateSize: 4864,
      numLayers: 24,
      numHeads: 14,
      numKvHeads: 2,
      headDim: 64,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      vocabSize: 151936,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 32768,
      bosTokenId: 151643,
      eosTokenIds: [151645],
      torchDtype: 'bfloat16',
      quantizationConfig: null,
      qkvBias: true,
      qkNorm: false,
    });
  });

  it('reads a Qwen3 config: explicit head_dim, q/k norm, no bias', () => {
    const config = parseQwenConfig(qwen3, 'config.json');
    expect(config).toMatchObject({ architecture: 'Qwen3ForCausalLM', headDim: 128, numHeads: 16, numKvHeads: 8, qkNorm: true, qkvBias: false });
  });

  it('defaults num_key_value_heads to num_attention_heads', () => {
    const { num_key_value_heads: _, ...withoutKv } = qwen2;
    expect(parseQwenConfig(withoutKv, 'config.json').numKvHeads).toBe(14);
  });

  it('passes quantization_config through unchanged', () => {
    const quantization_config = { quant_method: 'bitsandbytes', load_in_4bit: true, bnb_4bit_quant_type: 'nf4' };
    expect(parseQwenConfig({ ...qwen3, quantization_config }, 'config.json').quantizationConfig).toEqual(quantization_config);
  });

  it('a field of the wrong type is an error naming the file and the field', () => {
    const err = configError({ ...qwen2, hidden_size: '896' });
    expect(err.message).toContain('/models/x/config.json');
    expect(err.message).toContain('field "hidden_size"');
    expect(err.message).toContain('expected number');
  });

  it('a missing required field is an error naming it', () => {
    const { vocab_size: _, ...withoutVocab } = qwen3;
    expect(configError(withoutVocab).message).toContain('field "vocab_size": missing (expected number)');
  });

  it('an unsupported architecture is an error listing the supported ones', () => {
    const err = configError({ ...qwen2, architectures: ['LlamaForCausalLM'], model_type: 'llama' });
    expect(err.message).toContain('LlamaForCausalLM');
    expect(err.message).toContain('Qwen2ForCausalLM, Qwen3ForCausalLM');
  });

  it('a model_type that contradicts the architecture is an error', () => {
    expect(configError({ ...qwen3, model_type: 'qwen2' }).message).toMatch(/model_type "qwen2".*Qwen3ForCausalLM/);
  });

  it('rope_scaling of a scaled type is an error naming rope_scaling and the type', () => {
    const err = configError({ ...qwen3, rope_scaling: { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768 } });
    expect(err.message).toContain('rope_scaling');
    expect(err.message).toContain('"yarn"');
  });

  it('rope_scaling that is not an object is an error naming its type', () => {
    expect(configError({ ...qwen3, rope_scaling: 'linear' }).message).toMatch(/rope_scaling is a string/);
  });

  it('heads that do not divide evenly into kv heads are an error', () => {
    expect(configError({ ...qwen2, num_key_value_heads: 3 }).message).toContain('num_key_value_heads (3)');
  });
});

describe('readQwenConfig', () => {
  it('reads config.json from a model dir and names that file in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-config-'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...qwen3, rms_norm_eps: -1 }));
    await expect(readQwenConfig(dir)).rejects.toThrow(`${join(dir, 'config.json')}: field "rms_norm_eps"`);
  });
});

describe('generation config', () => {
  it('takes eos_token_id as a list and sampling settings as given', () => {
    // generation_config.json of Qwen/Qwen3-0.6B.
    const json = { bos_token_id: 151643, do_sample: true, eos_token_id: [151645, 151643], pad_token_id: 151643, temperature: 0.6, top_k: 20, top_p: 0.95 };
    expect(parseGenerationConfig(json, 'generation_config.json')).toEqual({
      bosTokenId: 151643,
      eosTokenIds: [151645, 151643],
      padTokenId: 151643,
      doSample: true,
      temperature: 0.6,
      topP: 0.95,
      topK: 20,
    });
  });

  it('takes a single eos_token_id and fills transformers defaults for absent fields', () => {
    expect(parseGenerationConfig({ eos_token_id: 2 }, 'g.json')).toMatchObject({ eosTokenIds: [2], doSample: false, temperature: 1, topP: 1, topK: 50 });
  });

  it('a model dir without generation_config.json gets the defaults', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-gen-'));
    expect(await readGenerationConfig(dir)).toMatchObject({ eosTokenIds: [], temperature: 1, topK: 50 });
  });

  it('a field of the wrong type is an error naming it', () => {
    expect(() => parseGenerationConfig({ top_k: 'twenty' }, 'g.json')).toThrow(/g\.json: field "top_k"/);
  });
});
