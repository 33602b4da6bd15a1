import { describe, expect, it } from 'vitest';
import { packPrefills } from '../../src/engine/prefill-groups.js';
import { EngineOptionsSchema, planCache } from '../../src/engine/capacity.js';
import { parseQwenConfig } from '../../src/io/config.js';

const seq = (n: number) => ({ request: { ids: new Array<number>(n).fill(1) } });
const lengths = (groups: { request: { ids: number[] } }[][]) => groups.map((g) => g.map((s) => s.request.ids.length));

describe('packPrefills', () => {
  it('groups prompts of similar length so padding stays under a third of a group', () => {
    expect(lengths(packPrefills([seq(10), seq(200), seq(12), seq(190), seq(11)], 4096))).toEqual([[10, 11, 12], [190, 200]]);
  });

  it('keeps a group within the prefill token budget, a longer prompt alone', () => {
    expect(lengths(packPrefills([seq(100), seq(100), seq(100), seq(500)], 250))).toEqual([[100, 100], [100], [500]]);
  });
});

describe('planCache', () => {
  const config = (layers: number, kv: number, d: number, context: number) =>
    parseQwenConfig({ architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', hidden_size: 64, intermediate_size: 64, num_hidden_layers: layers, num_attention_heads: kv, num_key_value_heads: kv, head_dim: d, vocab_size: 10, max_position_embeddings: context, rms_norm_eps: 1e-6, rope_theta: 1e6 }, 'test');

  it('gives every slot the whole context when the budget allows', () => {
    expect(planCache(config(2, 2, 16, 512), 128 << 20, EngineOptionsSchema.parse({ maxBatch: 32 }))).toEqual({ slots: 32, slotTokens: 512 });
  });

  it('takes fewer slots rather than slots shorter than minSlotTokens (Qwen3-0.6B shape, 1 GiB)', () => {
    expect(planCache(config(28, 8, 128, 40960), 128 << 20, EngineOptionsSchema.parse({}))).toEqual({ slots: 2, slotTokens: 2340 });
  });

  it('caps every slot at maxModelLen, fitting more slots in the same budget (Qwen3-0.6B shape, 1 GiB)', () => {
    expect(planCache(config(28, 8, 128, 40960), 128 << 20, EngineOptionsSchema.parse({ maxModelLen: 1024 }))).toEqual({ slots: 4, slotTokens: 1024 });
  });

  it('keeps each layer’s keys within one storage binding', () => {
    const plan = planCache(config(1, 8, 128, 40960), 16 << 20, EngineOptionsSchema.parse({ capacityTokens: 1e6 }));
    expect(plan.slots * plan.slotTokens * 8 * 128 * 4).toBeLessThanOrEqual(16 << 20);
  });
});
