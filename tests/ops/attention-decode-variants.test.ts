import { describe, expect, it } from 'vitest';
import { attentionDecodeVariant, decodeGroup } from '../../src/tensor/ops/attention-decode.js';
import type { AdapterSummary } from '../../src/gpu/device.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { testDevice } from '../helpers/gpu.js';
import { decodeVariantErrors, type DecodeCase } from '../helpers/attention-checks.js';

const device = await testDevice();

const CASES: [string, DecodeCase][] = [
  ['length 1, GQA 1, D 64', { T: 1, H: 4, KV: 4, D: 64, lengths: [1], slots: [0] }],
  ['length 7, GQA 4, D 64', { T: 1, H: 8, KV: 2, D: 64, lengths: [7], slots: [0] }],
  ['length 130, GQA 4, D 64', { T: 1, H: 8, KV: 2, D: 64, lengths: [130], slots: [0] }],
  ['slots of lengths 1, 7, 130, 64, GQA 4, D 64', { T: 1, H: 8, KV: 2, D: 64, lengths: [1, 7, 130, 64], slots: [3, 0, 5, 1] }],
  ['the bench model at batch 8 (H 8, KV 4, D 64)', { T: 1, H: 8, KV: 4, D: 64, lengths: [136, 131, 140, 136, 129, 133, 150, 136], slots: [0, 1, 2, 3, 4, 5, 6, 7] }],
  ['3 rows per sequence, GQA 4, D 12 (not pairs of vec4s)', { T: 3, H: 4, KV: 1, D: 12, lengths: [3, 7, 130], slots: [2, 0, 1] }],
  ['D 4, GQA 1', { T: 1, H: 2, KV: 2, D: 4, lengths: [7, 130], slots: [1, 0] }],
  ['a long cache: length 5000, GQA 2, D 64', { T: 1, H: 4, KV: 2, D: 64, lengths: [5000], slots: [0] }],
  ['D 128, GQA 4', { T: 1, H: 4, KV: 1, D: 128, lengths: [130, 7], slots: [0, 1] }],
  ['16 sequences: 8 rows a workgroup, unsplit', { T: 1, H: 8, KV: 2, D: 64, lengths: Array.from({ length: 16 }, (_, i) => 3 + 9 * i), slots: Array.from({ length: 16 }, (_, i) => 15 - i) }],
  ['33 rows: a spare row in the last workgroup', { T: 1, H: 3, KV: 1, D: 16, lengths: [5, 9, 1, 70, 2, 33, 1, 12, 40, 3, 7], slots: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }],
];

describe('the decode kernels', () => {
  const cases = (['columns', 'workgroup'] as const).flatMap((variant) => CASES.map(([name, c]) => [variant, name, c] as const));
  it.each(cases)('%s matches the reference: %s', async (variant, name, c) => {
    const e = await decodeVariantErrors(device, variant, c);
    console.log(`${variant} ${name}: out rel err ${e.out.toExponential(2)}, lse rel err ${e.lse.toExponential(2)} (seed ${e.seed})`);
    expect(e.out, `seed ${e.seed}`).toBeLessThan(1e-5);
    expect(e.lse, `seed ${e.seed}`).toBeLessThan(1e-5);
  });

  it('refuses a head_dim that is not a multiple of 4, which the workgroup kernel takes', async () => {
    const c = { T: 1, H: 4, KV: 2, D: 6, lengths: [7, 130], slots: [0, 1] };
    await expect(decodeVariantErrors(device, 'columns', c)).rejects.toThrow(ShapeMismatchError);
    const e = await decodeVariantErrors(device, 'workgroup', c);
    console.log(`workgroup D 6: out rel err ${e.out.toExponential(2)}`);
    expect(e.out, `seed ${e.seed}`).toBeLessThan(1e-5);
  });
});

describe('columns workgroups', () => {
  it('hold fewer rows when rows are few, and split each row\'s keys over the lanes the rows leave', () => {
    expect(decodeGroup(8)).toEqual({ group: 1, split: 8 });
    expect(decodeGroup(33)).toEqual({ group: 2, split: 4 });
    expect(decodeGroup(64)).toEqual({ group: 4, split: 2 });
    expect(decodeGroup(128)).toEqual({ group: 8, split: 1 });
  });
});

describe('the decode variant an adapter gets', () => {
  const summary = (device: string, description = ''): AdapterSummary => ({ backend: 'vulkan', vendor: 'mesa', architecture: '', device, description, featureLevel: 'core' });

  it('is columns on CPU adapters', () => {
    expect(attentionDecodeVariant(summary('llvmpipe (LLVM 15.0.6, 256 bits)'), 64)).toBe('columns');
    expect(attentionDecodeVariant(summary('SwiftShader Device (Subzero)'), 128)).toBe('columns');
  });

  it('is workgroup on GPUs', () => {
    expect(attentionDecodeVariant(summary('NVIDIA H200', 'NVIDIA'), 64)).toBe('workgroup');
  });

  it('falls back to workgroup on a CPU adapter when head_dim is not a multiple of 4 or is past 128', () => {
    expect(attentionDecodeVariant(summary('llvmpipe (LLVM 15.0.6, 256 bits)'), 6)).toBe('workgroup');
    expect(attentionDecodeVariant(summary('llvmpipe (LLVM 15.0.6, 256 bits)'), 256)).toBe('workgroup');
  });
});
