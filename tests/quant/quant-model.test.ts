import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/model/model.js';
import { qwenLogitsRef } from '../../src/cpu/qwen.js';
import { dequantizeWeight, quantizeWeight, type QuantizeSpec } from '../../src/quant/quantize.js';
import { PROJECTION_WEIGHT, quantizeCheckpoint } from '../../src/model/quantize-checkpoint.js';
import { QuantLinear } from '../../src/nn/quant-linear.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { TINY_QWEN2, TINY_QWEN3, writeTinyQwen, type TinyModel } from '../helpers/tiny-qwen.js';

const device = await testDevice();
const tiny3 = await writeTinyQwen(TINY_QWEN3);

function randomIds(n: number, vocab: number): { ids: number[]; seed: number } {
  const { rng, seed } = freshRng();
  return { ids: Array.from({ length: n }, () => rng.int(vocab)), seed };
}

/** The tiny model's weights with every projection replaced by its dequantized 4-bit form. */
function dequantizedWeights(tiny: TinyModel, spec: QuantizeSpec): Map<string, Float32Array> {
  const out = new Map(tiny.weights);
  for (const [name, values] of tiny.weights) {
    if (!PROJECTION_WEIGHT.test(name)) continue;
    const K = name.includes('down_proj') ? tiny.config.intermediateSize : name.includes('o_proj') ? tiny.config.numHeads * tiny.config.headDim : tiny.config.hiddenSize;
    out.set(name, dequantizeWeight(quantizeWeight(values, [values.length / K, K], spec)));
  }
  return out;
}

async function outDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'wgml-q-')), 'out');
}

describe('loadModel with quantize', () => {
  it.each([
    ['nf4', TINY_QWEN3, { format: 'nf4' }],
    ['q4 (groups of 32)', TINY_QWEN3, { format: 'q4' }],
    ['nf4 double-quantized, Qwen2 with qkv bias', { ...TINY_QWEN2, dtype: 'F32' as const }, { format: 'nf4', doubleQuant: true }],
  ] as const)('%s: logits match the reference forward on the dequantized weights', async (_, spec, quant) => {
    const tiny = spec === TINY_QWEN3 ? tiny3 : await writeTinyQwen(spec);
    const model = await loadModel(tiny.dir, { device, quantize: quant });
    expect(model.net.layers[0]!.q).toBeInstanceOf(QuantLinear);
    const { ids, seed } = randomIds(11, tiny.config.vocabSize);
    const ref = qwenLogitsRef(dequantizedWeights(tiny, quant), tiny.config, ids);
    expect(relError(await model.logits(ids), ref), `seed ${seed}`).toBeLessThan(1e-4);
    model.dispose();
  });

  it.each(['nf4', 'q4'] as const)('%s logits stay within 25%% (relative L2) of the bf16 model’s', async (format) => {
    // Quantizing leaves each projection weight with a relative RMS error e ≈ 0.092 (measured:
    // NF4/64 and q4/32 alike on these N(0, 1/fan_in) weights). The tiny model has 2 layers × 2
    // residual branches, each through quantized matrices; independent errors add in quadrature,
    // so logits should move by about √4·e ≈ 0.18 (measured 0.13–0.18 over 30 prompts). 0.25 leaves
    // room for prompt-to-prompt spread while still catching a wrong code book, scale or nibble.
    const bf16 = await loadModel(tiny3.dir, { device });
    const q = await loadModel(tiny3.dir, { device, quantize: format });
    const { ids, seed } = randomIds(16, tiny3.config.vocabSize);
    const err = relError(await q.logits(ids), await bf16.logits(ids));
    expect(err, `seed ${seed}`).toBeLessThan(0.25);
    bf16.dispose();
    q.dispose();
  });

  it('holds the quantized model in fewer GPU bytes than the bf16 one', async () => {
    const before = device.pool.stats.liveBytes;
    const bf16 = await loadModel(tiny3.dir, { device });
    const bf16Bytes = device.pool.stats.liveBytes - before;
    bf16.dispose();
    const mid = device.pool.stats.liveBytes;
    const nf4 = await loadModel(tiny3.dir, { device, quantize: 'nf4' });
    const nf4Bytes = device.pool.stats.liveBytes - mid;
    nf4.dispose();
    expect(nf4Bytes).toBeLessThan(bf16Bytes);
  });
});

describe('wgml quantize → save → load', () => {
  it.each([
    ['nf4', { format: 'nf4' }],
    ['nf4 double-quantized', { format: 'nf4', doubleQuant: true }],
    ['q4 groups of 128', { format: 'q4', blockSize: 128 }],
  ] as const)('%s checkpoint loads without re-quantizing and gives identical logits', async (_, spec) => {
    const out = await outDir();
    await quantizeCheckpoint(tiny3.dir, out, spec);
    const direct = await loadModel(tiny3.dir, { device, quantize: spec });
    const saved = await loadModel(out, { device });
    expect(saved.config.quantizationConfig).toMatchObject(spec.format === 'nf4' ? { quant_method: 'bitsandbytes', bnb_4bit_quant_type: 'nf4' } : { quant_type: 'q4' });
    const { ids } = randomIds(9, tiny3.config.vocabSize);
    expect(await saved.logits(ids)).toEqual(await direct.logits(ids));
    expect(await saved.generate('hi', { maxNewTokens: 3 })).toBe(await direct.generate('hi', { maxNewTokens: 3 }));
    direct.dispose();
    saved.dispose();
  });

  it('refuses to write into a non-empty directory', async () => {
    await expect(quantizeCheckpoint(tiny3.dir, tiny3.dir, { format: 'nf4' })).rejects.toThrow(/not empty/);
  });
});
