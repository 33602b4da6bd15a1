import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/model/model.js';
import { openSafetensors, writeSafetensors, type TensorToWrite } from '../../src/io/safetensors.js';
import { quantizeCheckpoint } from '../../src/model/quantize-checkpoint.js';
import { CheckpointFormatError } from '../../src/errors.js';
import { NF4_CODEBOOK } from '../../src/quant/layouts.js';
import { dequantizeBlockwise8 } from '../../src/quant/blockwise8.js';
import { quantWeightTensors, readQuantWeight } from '../../src/quant/checkpoint.js';
import { dequantizeWeight, quantizeWeight } from '../../src/quant/quantize.js';
import { testDevice } from '../helpers/gpu.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';

const device = await testDevice();
const W = 'model.layers.1.mlp.up_proj.weight';
let plain = '';
let nested = '';

async function quantized(doubleQuant: boolean): Promise<string> {
  const tiny = await writeTinyQwen(TINY_QWEN3);
  const out = join(await mkdtemp(join(tmpdir(), 'wgml-ck-')), 'q');
  await quantizeCheckpoint(tiny.dir, out, { format: 'nf4', doubleQuant });
  return out;
}

/** Rewrites model.safetensors of `dir` after `edit` changes its tensors. */
async function tamper(dir: string, edit: (t: Record<string, TensorToWrite>) => void): Promise<void> {
  const reader = await openSafetensors(dir);
  const tensors: Record<string, TensorToWrite> = {};
  for (const name of reader.names()) {
    const info = reader.info(name);
    tensors[name] = { dtype: info.dtype, shape: info.shape, data: await reader.read(name) };
  }
  await reader.close();
  edit(tensors);
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
}

function stateTensor(json: Record<string, unknown>): TensorToWrite {
  const bytes = new Uint8Array(Buffer.from(JSON.stringify(json)));
  return { dtype: 'U8', shape: [bytes.length], data: bytes };
}

async function stateOf(dir: string): Promise<Record<string, unknown>> {
  const reader = await openSafetensors(dir);
  const json = JSON.parse(Buffer.from(await reader.read(`${W}.quant_state.bitsandbytes__nf4`)).toString('utf8'));
  await reader.close();
  return json;
}

beforeAll(async () => {
  plain = await quantized(false);
  nested = await quantized(true);
});

describe('bitsandbytes 4-bit checkpoints', () => {
  it('are written in bitsandbytes’ HF layout', async () => {
    const reader = await openSafetensors(nested);
    expect(reader.info(W)).toMatchObject({ dtype: 'U8', shape: [96 * 64 / 2, 1] });
    expect(reader.info(`${W}.absmax`)).toMatchObject({ dtype: 'U8', shape: [96] });
    expect(reader.info(`${W}.nested_absmax`)).toMatchObject({ dtype: 'F32', shape: [1] });
    expect(reader.info(`${W}.nested_quant_map`)).toMatchObject({ dtype: 'F32', shape: [256] });
    expect(Array.from(await reader.readF32(`${W}.quant_map`))).toEqual(Array.from(NF4_CODEBOOK));
    expect(reader.info('model.embed_tokens.weight').dtype).toBe('BF16');
    await reader.close();
    expect(await stateOf(nested)).toMatchObject({ quant_type: 'nf4', blocksize: 64, dtype: 'bfloat16', shape: [96, 64], nested_blocksize: 256, nested_dtype: 'float32' });
    const config = JSON.parse(await readFile(join(nested, 'config.json'), 'utf8'));
    expect(config.quantization_config).toMatchObject({ quant_method: 'bitsandbytes', load_in_4bit: true, bnb_4bit_quant_type: 'nf4', bnb_4bit_use_double_quant: true });
  });

  it.each([
    ['a quant_state shape that is not the tensor’s', (t: Record<string, TensorToWrite>, s: Record<string, unknown>) => (t[`${W}.quant_state.bitsandbytes__nf4`] = stateTensor({ ...s, shape: [64, 96] })), /shape \[64,96\]/],
    ['an absmax of the wrong length', (t: Record<string, TensorToWrite>) => (t[`${W}.absmax`] = { dtype: 'F32', shape: [95], data: new Float32Array(95) }), /absmax.*95/],
    ['a packed weight of the wrong size', (t: Record<string, TensorToWrite>) => (t[W] = { dtype: 'U8', shape: [100, 1], data: new Uint8Array(100) }), /100 bytes/],
    ['a quant_map that is not NF4', (t: Record<string, TensorToWrite>) => (t[`${W}.quant_map`] = { dtype: 'F32', shape: [16], data: new Float32Array(16) }), /quant_map/],
    ['fp4 weights', (t: Record<string, TensorToWrite>, s: Record<string, unknown>) => {
      delete t[`${W}.quant_state.bitsandbytes__nf4`];
      t[`${W}.quant_state.bitsandbytes__fp4`] = stateTensor({ ...s, quant_type: 'fp4' });
    }, /fp4/],
    ['an unreadable quant_state', (t: Record<string, TensorToWrite>) => (t[`${W}.quant_state.bitsandbytes__nf4`] = { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) }), /JSON/],
  ])('reject %s with a CheckpointFormatError naming the tensor', async (_, edit, message) => {
    const dir = await quantized(false);
    const state = await stateOf(dir);
    await tamper(dir, (t) => void edit(t, state));
    await expect(loadModel(dir, { device })).rejects.toThrow(CheckpointFormatError);
    await expect(loadModel(dir, { device })).rejects.toThrow(new RegExp(`${W.replace(/\./g, '\\.')}.*${message.source}`));
  });

  it('reject a double-quantized absmax without its nested tensors', async () => {
    const dir = await quantized(true);
    await tamper(dir, (t) => void delete t[`${W}.nested_absmax`]);
    await expect(loadModel(dir, { device })).rejects.toThrow(/up_proj\.weight.*missing tensor.*nested_absmax/);
  });

  it('decode a nested absmax as dequantize_4bit does: code[q]·nested_absmax[i/256] + nested_offset, in f32', async () => {
    // Hand-written state: codes at both ends and the middle of bitsandbytes' create_dynamic_map, where
    // code[0] = -0.99296875, code[127] = 0, code[254] = 0.99296875, code[255] = 1 (pinned in double-quant.test.ts).
    const dir = await quantized(true);
    const codes = Uint8Array.from({ length: 96 }, (_, i) => [255, 127, 0, 254, 200, 3][i % 6]!);
    const [scale, offset] = [0.0625, 0.03125];
    await tamper(dir, (t) => {
      t[`${W}.absmax`] = { dtype: 'U8', shape: [96], data: codes };
      t[`${W}.nested_absmax`] = { dtype: 'F32', shape: [1], data: Float32Array.of(scale) };
    });
    const state = await stateOf(dir);
    await tamper(dir, (t) => (t[`${W}.quant_state.bitsandbytes__nf4`] = stateTensor({ ...state, nested_offset: offset })));
    const reader = await openSafetensors(dir);
    const map = await reader.readF32(`${W}.nested_quant_map`);
    const host = (await readQuantWeight(reader, W, [96, 64]))!;
    await reader.close();
    expect(Array.from(host.scales.subarray(0, 4))).toEqual([1 * 0.0625 + 0.03125, 0.03125, Math.fround(-0.99296875 * 0.0625 + 0.03125), Math.fround(0.99296875 * 0.0625 + 0.03125)]);
    const f32 = Math.fround;
    expect(Array.from(host.scales)).toEqual(Array.from(codes, (c) => f32(f32(map[c]! * scale) + f32(offset))));
  });

  it('give the same logits as the plain checkpoint holding dequantizeBlockwise8(absmax) + offset', async () => {
    const dir = await quantized(true);
    const reader = await openSafetensors(dir);
    const expanded: Record<string, Float32Array> = {};
    for (const name of reader.names().filter((n) => n.endsWith('.nested_absmax'))) {
      const weight = name.slice(0, -'.nested_absmax'.length);
      const state = JSON.parse(Buffer.from(await reader.read(`${weight}.quant_state.bitsandbytes__nf4`)).toString('utf8')) as { nested_blocksize: number; nested_offset: number };
      const q = { codes: await reader.read(`${weight}.absmax`), absmax: await reader.readF32(name) };
      const absmax = dequantizeBlockwise8(q, await reader.readF32(`${weight}.nested_quant_map`), state.nested_blocksize);
      expanded[weight] = absmax.map((v) => v + Math.fround(state.nested_offset));
    }
    await reader.close();
    expect(Object.keys(expanded).length).toBeGreaterThan(0);
    const flat = await quantized(true);
    await tamper(flat, (t) => {
      for (const [weight, absmax] of Object.entries(expanded)) {
        t[`${weight}.absmax`] = { dtype: 'F32', shape: [absmax.length], data: absmax };
        delete t[`${weight}.nested_absmax`];
        delete t[`${weight}.nested_quant_map`];
        const state = JSON.parse(Buffer.from(t[`${weight}.quant_state.bitsandbytes__nf4`]!.data as Uint8Array).toString('utf8')) as Record<string, unknown>;
        for (const k of ['nested_blocksize', 'nested_dtype', 'nested_offset']) delete state[k];
        t[`${weight}.quant_state.bitsandbytes__nf4`] = stateTensor(state);
      }
    });
    const [a, b] = [await loadModel(dir, { device }), await loadModel(flat, { device })];
    const ids = [5, 80, 17, 250];
    expect(Array.from(await a.logits(ids))).toEqual(Array.from(await b.logits(ids)));
    a.dispose();
    b.dispose();
  });

  it('agree with the plain checkpoint to the precision of an 8-bit absmax (logits within 2%)', async () => {
    const a = await loadModel(plain, { device });
    const b = await loadModel(nested, { device });
    const ids = [5, 80, 17, 250];
    const [la, lb] = [await a.logits(ids), await b.logits(ids)];
    let num = 0;
    let den = 0;
    la.forEach((v, i) => ((num += (v - lb[i]!) ** 2), (den += v * v)));
    expect(Math.sqrt(num / den)).toBeLessThan(0.02);
    expect(Math.sqrt(num / den)).toBeGreaterThan(0);
    a.dispose();
    b.dispose();
  });
});

describe('4-bit checkpoints of a weight its block size does not divide', () => {
  it.each([
    [[1, 4099], false],
    [[7, 9], false],
    [[1, 4099], true],
    [[5, 64 * 60 + 1], true], // 19201 values: 301 absmax, nested blocks of 256 and 45
  ] as const)('store (%j, double quant %s) as bitsandbytes does — (n+1)/2 code bytes, ⌈n/64⌉ absmax — and read back bit for bit', async (shape, doubleQuant) => {
    const n = shape[0] * shape[1];
    const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 11)));
    const host = quantizeWeight(values, shape, { format: 'nf4', doubleQuant });
    const file = join(await mkdtemp(join(tmpdir(), 'wgml-partial-')), 'model.safetensors');
    await writeSafetensors(file, quantWeightTensors('w.weight', host, 'BF16'));
    const reader = await openSafetensors(file);
    try {
      expect(reader.info('w.weight')).toMatchObject({ dtype: 'U8', shape: [Math.ceil(n / 2), 1] });
      expect(reader.info('w.weight.absmax')).toMatchObject({ dtype: doubleQuant ? 'U8' : 'F32', shape: [Math.ceil(n / 64)] });
      if (doubleQuant) expect(reader.info('w.weight.nested_absmax').shape).toEqual([Math.ceil(Math.ceil(n / 64) / 256)]);
      const back = await readQuantWeight(reader, 'w.weight', shape);
      expect(Buffer.from(back!.codes).equals(Buffer.from(host.codes))).toBe(true);
      expect([...back!.scales]).toEqual([...host.scales]);
      expect(dequantizeWeight(back!)).toEqual(dequantizeWeight(host));
    } finally {
      await reader.close();
    }
  });

  it('refuse a packed weight sized n/2 rounded down for an odd n', async () => {
    const host = quantizeWeight(new Float32Array(63).fill(1), [7, 9], { format: 'nf4' });
    const tensors = quantWeightTensors('w.weight', host, 'BF16');
    tensors['w.weight'] = { dtype: 'U8', shape: [31, 1], data: host.codes.subarray(0, 31) };
    const file = join(await mkdtemp(join(tmpdir(), 'wgml-partial-')), 'model.safetensors');
    await writeSafetensors(file, tensors);
    const reader = await openSafetensors(file);
    await expect(readQuantWeight(reader, 'w.weight', [7, 9])).rejects.toThrow(/w\.weight.*31 bytes.*needs 32/);
    await reader.close();
  });
});
