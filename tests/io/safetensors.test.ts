import { mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../../src/errors.js';
import { openSafetensors, type TensorToWrite, writeSafetensors } from '../../src/io/safetensors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgml-st-'));
});

/** A file with a hand-written header, for the malformed cases the writer refuses to produce. */
async function writeRaw(path: string, header: unknown, dataBytes: number, headerLength?: number): Promise<void> {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerLength ?? json.length));
  await writeFile(path, Buffer.concat([length, json, Buffer.alloc(dataBytes)]));
}

async function expectFormatError(promise: Promise<unknown>, ...fragments: string[]): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CheckpointFormatError);
  for (const fragment of fragments) expect((err as Error).message).toContain(fragment);
}

const bytesOf = (a: ArrayBufferView): number[] => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];

describe('writeSafetensors then openSafetensors', () => {
  it.each<[string, TensorToWrite]>([
    ['F32', { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, 1e-8, -7]) }],
    ['BF16', { dtype: 'BF16', shape: [3], data: new Uint16Array([0x3f80, 0xc000, 0x7f80]) }],
    ['F16', { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0x0001]) }],
    ['I32', { dtype: 'I32', shape: [2, 2], data: new Int32Array([1, -1, 2 ** 31 - 1, -(2 ** 31)]) }],
    ['U8', { dtype: 'U8', shape: [5], data: new Uint8Array([0, 1, 127, 128, 255]) }],
    ['I64', { dtype: 'I64', shape: [1], data: new BigInt64Array([-5n]) }],
    ['an empty tensor', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
  ])('round-trips the dtype, shape and bytes of %s', async (_, tensor) => {
    const path = join(dir, 'one.safetensors');
    await writeSafetensors(path, { t: tensor });
    const st = await openSafetensors(path);
    expect(st.info('t')).toEqual({ dtype: tensor.dtype, shape: tensor.shape, byteLength: tensor.data.byteLength, file: path });
    expect([...(await st.read('t'))]).toEqual(bytesOf(tensor.data));
    await st.close();
  });

  it('readF32 widens F16 and BF16 to f32', async () => {
    const path = join(dir, 'halves.safetensors');
    await writeSafetensors(path, {
      h: { dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0xc100, 0x0001]) },
      b: { dtype: 'BF16', shape: [2], data: new Uint16Array([0x4049, 0xbf80]) },
    });
    const st = await openSafetensors(path);
    expect([...(await st.readF32('h'))]).toEqual([1, -2.5, 2 ** -24]);
    expect([...(await st.readF32('b'))]).toEqual([3.140625, -1]);
    await st.close();
  });

  it('rounds a Float32Array given for a BF16 tensor to bf16', async () => {
    const path = join(dir, 'rounded.safetensors');
    await writeSafetensors(path, { w: { dtype: 'BF16', shape: [2], data: new Float32Array([1 + 2 ** -9, 3.14159]) } });
    const st = await openSafetensors(path);
    expect([...(await st.readF32('w'))]).toEqual([1, 3.140625]);
    await st.close();
  });

  it('keeps __metadata__', async () => {
    const path = join(dir, 'meta.safetensors');
    await writeSafetensors(path, { x: { dtype: 'U8', shape: [1], data: new Uint8Array([9]) } }, { format: 'pt' });
    const st = await openSafetensors(path);
    expect(st.metadata()).toEqual({ format: 'pt' });
    await st.close();
  });
});

describe('writeSafetensors layout', () => {
  it('produces the bytes of the reference implementation (header padded with spaces to 8 bytes)', async () => {
    // Expected bytes: test_serialization_forced_alignement in huggingface/safetensors tensor.rs.
    const path = join(dir, 'ref.safetensors');
    await writeSafetensors(path, { attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) } });
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
    const expected = [72, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from(header), ...bytesOf(new Float32Array([0, 1, 2, 3, 4, 5]))];
    expect([...(await readFile(path))]).toEqual(expected);
  });

  it('orders tensors by dtype alignment, largest first, then by name, as the reference does', async () => {
    const path = join(dir, 'order.safetensors');
    await writeSafetensors(path, {
      b_u8: { dtype: 'U8', shape: [3], data: new Uint8Array(3) },
      a_u8: { dtype: 'U8', shape: [1], data: new Uint8Array(1) },
      z_f32: { dtype: 'F32', shape: [1], data: new Float32Array(1) },
      y_bf16: { dtype: 'BF16', shape: [1], data: new Uint16Array(1) },
    });
    const file = await readFile(path);
    const json: unknown = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString());
    expect(Object.entries(json as object).map(([name, e]) => [name, (e as { data_offsets: number[] }).data_offsets])).toEqual([
      ['z_f32', [0, 4]],
      ['y_bf16', [4, 6]],
      ['a_u8', [6, 7]],
      ['b_u8', [7, 10]],
    ]);
  });

  it('rejects data whose length does not match dtype × shape, naming the tensor', async () => {
    const write = writeSafetensors(join(dir, 'bad.safetensors'), { w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } });
    await expectFormatError(write, 'tensor "w"', 'needs 16 bytes', 'has 12');
  });
});

describe('sharded checkpoints', () => {
  async function writeShardedModel(): Promise<void> {
    await writeSafetensors(join(dir, 'model-00001-of-00002.safetensors'), {
      'model.embed_tokens.weight': { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
    });
    await writeSafetensors(join(dir, 'model-00002-of-00002.safetensors'), {
      'lm_head.weight': { dtype: 'BF16', shape: [1], data: new Uint16Array([0x4000]) },
    });
    const weight_map = {
      'model.embed_tokens.weight': 'model-00001-of-00002.safetensors',
      'lm_head.weight': 'model-00002-of-00002.safetensors',
    };
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 10 }, weight_map }));
  }

  it('a model dir with model.safetensors.index.json reads every tensor from its shard', async () => {
    await writeShardedModel();
    const st = await openSafetensors(dir);
    expect(st.names().sort()).toEqual(['lm_head.weight', 'model.embed_tokens.weight']);
    expect([...(await st.readF32('model.embed_tokens.weight'))]).toEqual([1, 2]);
    expect([...(await st.readF32('lm_head.weight'))]).toEqual([2]);
    expect(st.info('lm_head.weight').file).toBe(join(dir, 'model-00002-of-00002.safetensors'));
    await st.close();
  });

  it('a model dir with a single model.safetensors opens it', async () => {
    await writeSafetensors(join(dir, 'model.safetensors'), { x: { dtype: 'I32', shape: [1], data: new Int32Array([7]) } });
    const st = await openSafetensors(dir);
    expect(st.names()).toEqual(['x']);
    await st.close();
  });

  it('an index naming a tensor its shard lacks is an error naming both', async () => {
    await writeShardedModel();
    const weight_map = { 'model.norm.weight': 'model-00001-of-00002.safetensors' };
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map }));
    await expectFormatError(openSafetensors(dir), 'model.norm.weight', 'model-00001-of-00002.safetensors');
  });

  it('a dir with neither file says what it looked for', async () => {
    await expectFormatError(openSafetensors(dir), dir, 'model.safetensors', 'model.safetensors.index.json');
  });
});

describe('malformed files are rejected at open, naming the file and tensor', () => {
  it('a truncated data section', async () => {
    const path = join(dir, 'cut.safetensors');
    await writeSafetensors(path, { 'layers.0.w': { dtype: 'F32', shape: [4, 4], data: new Float32Array(16) } });
    await truncate(path, (await readFile(path)).length - 5);
    await expectFormatError(openSafetensors(path), path, 'layers.0.w', 'truncated');
  });

  it('a file shorter than the 8-byte length prefix', async () => {
    const path = join(dir, 'tiny.safetensors');
    await writeFile(path, Buffer.from([1, 2, 3]));
    await expectFormatError(openSafetensors(path), path, '3 bytes');
  });

  it('a header length past the format limit says it is too large, not that it does not fit', async () => {
    const path = join(dir, 'huge-header.safetensors');
    await writeRaw(path, {}, 0, 100_000_001);
    await expectFormatError(openSafetensors(path), path, 'header length 100000001 exceeds the 100000000-byte limit');
  });

  it('a header length beyond the end of the file', async () => {
    const path = join(dir, 'long-header.safetensors');
    await writeRaw(path, {}, 0, 1000);
    await expectFormatError(openSafetensors(path), path, 'header length 1000');
  });

  it('data_offsets pointing outside the file', async () => {
    const path = join(dir, 'outside.safetensors');
    await writeRaw(path, { w: { dtype: 'U8', shape: [4], data_offsets: [100, 104] } }, 8);
    await expectFormatError(openSafetensors(path), path, 'tensor "w"', '[100, 104]');
  });

  it('data_offsets that end before they begin', async () => {
    const path = join(dir, 'backwards.safetensors');
    await writeRaw(path, { w: { dtype: 'U8', shape: [0], data_offsets: [4, 2] } }, 8);
    await expectFormatError(openSafetensors(path), path, 'tensor "w"', 'end before they begin');
  });

  it('a byte count that disagrees with dtype × shape', async () => {
    const path = join(dir, 'mismatch.safetensors');
    await writeRaw(path, { w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8);
    await expectFormatError(openSafetensors(path), path, 'tensor "w"', 'needs 12 bytes', 'span 8');
  });

  it('an unknown dtype', async () => {
    const path = join(dir, 'dtype.safetensors');
    await writeRaw(path, { w: { dtype: 'F8_E4M3FN', shape: [1], data_offsets: [0, 1] } }, 1);
    await expectFormatError(openSafetensors(path), path, 'tensor "w"', 'F8_E4M3FN', 'BF16');
  });

  it('a header that is not JSON', async () => {
    const path = join(dir, 'garbage.safetensors');
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(4n);
    await writeFile(path, Buffer.concat([length, Buffer.from('{{{{')]));
    await expectFormatError(openSafetensors(path), path, 'not valid JSON');
  });
});

describe('reading tensors', () => {
  it('a missing tensor is an error naming the tensor and the checkpoint', async () => {
    await writeSafetensors(join(dir, 'model.safetensors'), { a: { dtype: 'U8', shape: [1], data: new Uint8Array(1) } });
    const st = await openSafetensors(dir);
    expect(() => st.info('model.norm.weight')).toThrow(CheckpointFormatError);
    await expectFormatError(st.read('model.norm.weight'), 'model.norm.weight', dir);
    await st.close();
  });

  it('readF32 of an integer tensor is an error pointing to read()', async () => {
    const path = join(dir, 'ints.safetensors');
    await writeSafetensors(path, { ids: { dtype: 'I32', shape: [1], data: new Int32Array([3]) } });
    const st = await openSafetensors(path);
    await expectFormatError(st.readF32('ids'), 'tensor "ids"', 'I32', 'read()');
    await st.close();
  });
});

/** A file whose header is the given text, verbatim, followed by `dataBytes` zero bytes. */
async function writeHeaderText(path: string, header: string | Uint8Array, dataBytes: number): Promise<void> {
  const json = typeof header === 'string' ? Buffer.from(header) : Buffer.from(header);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  await writeFile(path, Buffer.concat([length, json, Buffer.alloc(dataBytes)]));
}

const u8 = (begin: number, end: number): object => ({ dtype: 'U8', shape: [end - begin], data_offsets: [begin, end] });

describe('the reader rejects what the reference safetensors crate rejects', () => {
  it('two tensors given the same bytes (aliased data_offsets)', async () => {
    const path = join(dir, 'aliased.safetensors');
    await writeRaw(path, { gate: u8(0, 4), up: u8(0, 4) }, 4);
    await expectFormatError(openSafetensors(path), path, 'overlap tensor', 'bytes of its own');
  });

  it('data_offsets that overlap part of another tensor', async () => {
    const path = join(dir, 'overlap.safetensors');
    await writeRaw(path, { a: u8(0, 4), b: u8(2, 6) }, 6);
    await expectFormatError(openSafetensors(path), path, 'tensor "b"', 'overlap tensor "a"');
  });

  it('a gap between tensors', async () => {
    const path = join(dir, 'gap.safetensors');
    await writeRaw(path, { a: u8(0, 2), b: u8(4, 6) }, 6);
    await expectFormatError(openSafetensors(path), path, 'tensor "b"', 'leave bytes [2, 4)');
  });

  it('a first tensor that does not start at byte 0', async () => {
    const path = join(dir, 'late-start.safetensors');
    await writeRaw(path, { a: u8(2, 4) }, 4);
    await expectFormatError(openSafetensors(path), path, 'tensor "a"', 'leave bytes [0, 2)');
  });

  it('trailing bytes after the last tensor', async () => {
    const path = join(dir, 'trailing.safetensors');
    await writeRaw(path, { a: u8(0, 4) }, 7);
    await expectFormatError(openSafetensors(path), path, '3 trailing bytes', '"a", ends at 4');
  });

  it('a tensor name that appears twice', async () => {
    const path = join(dir, 'dup-key.safetensors');
    const entry = '{"dtype":"U8","shape":[2],"data_offsets":[0,2]}';
    await writeHeaderText(path, `{"w":${entry},"w":${entry}}`, 2);
    await expectFormatError(openSafetensors(path), path, 'key "w" appears twice');
  });

  it('a field that appears twice inside a tensor entry', async () => {
    const path = join(dir, 'dup-field.safetensors');
    await writeHeaderText(path, '{"w":{"dtype":"U8","dtype":"U8","shape":[2],"data_offsets":[0,2]}}', 2);
    await expectFormatError(openSafetensors(path), path, 'key "dtype" appears twice at /w');
  });

  it('__metadata__ given twice', async () => {
    const path = join(dir, 'dup-meta.safetensors');
    await writeHeaderText(path, '{"__metadata__":{"format":"pt"},"__metadata__":{"format":"pt"}}', 0);
    await expectFormatError(openSafetensors(path), path, 'key "__metadata__" appears twice');
  });

  it('a header that is not valid UTF-8', async () => {
    const path = join(dir, 'latin1.safetensors');
    const header = Buffer.concat([Buffer.from('{"__metadata__":{"x":"'), Buffer.from([0xe9]), Buffer.from('"}}')]);
    await writeHeaderText(path, header, 0);
    await expectFormatError(openSafetensors(path), path, 'not valid UTF-8');
  });

  it('an unpaired surrogate escape in a tensor name', async () => {
    const path = join(dir, 'surrogate.safetensors');
    await writeHeaderText(path, '{"w\\ud800":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', 2);
    await expectFormatError(openSafetensors(path), path, 'unpaired surrogate');
  });

  it.each(['4.0', '4e0', '-0', '0.4e1'])('the float literal %s where an integer belongs', async (literal) => {
    const path = join(dir, 'float.safetensors');
    await writeHeaderText(path, `{"w":{"dtype":"U8","shape":[${literal}],"data_offsets":[0,4]}}`, 4);
    await expectFormatError(openSafetensors(path), path, 'tensor "w"', `shape [${literal}]`, 'integer literals');
  });

  it('a float literal in data_offsets', async () => {
    const path = join(dir, 'float-offsets.safetensors');
    await writeHeaderText(path, '{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4.0]}}', 4);
    await expectFormatError(openSafetensors(path), path, 'tensor "w"', 'data_offsets [0, 4.0]');
  });

  it('data_offsets with three numbers', async () => {
    const path = join(dir, 'three-offsets.safetensors');
    await writeHeaderText(path, '{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4,4]}}', 4);
    await expectFormatError(openSafetensors(path), path, 'tensor "w"', 'not a pair');
  });

  it('a shape whose element count overflows 64 bits', async () => {
    const path = join(dir, 'overflow.safetensors');
    await writeHeaderText(path, '{"w":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}}', 0);
    await expectFormatError(openSafetensors(path), path, 'tensor "w"', 'overflows 64 bits');
  });

  it('sub-byte values that do not fill whole bytes', async () => {
    const path = join(dir, 'f4.safetensors');
    await writeRaw(path, { w: { dtype: 'F4', shape: [3], data_offsets: [0, 1] } }, 1);
    await expectFormatError(openSafetensors(path), path, 'tensor "w"', 'do not fill whole bytes');
  });

  it('a header with a trailing comma', async () => {
    const path = join(dir, 'comma.safetensors');
    await writeHeaderText(path, '{"__metadata__":{"format":"pt"},}', 0);
    await expectFormatError(openSafetensors(path), path, 'not valid JSON');
  });

  it('a header that starts with a byte-order mark', async () => {
    const path = join(dir, 'bom.safetensors');
    await writeHeaderText(path, '\ufeff{}', 0);
    await expectFormatError(openSafetensors(path), path, 'not valid JSON');
  });
});

describe('the reader accepts what the reference safetensors crate accepts', () => {
  it.each(['F64', 'I16', 'U16', 'BOOL', 'F8_E4M3', 'F8_E5M2', 'U64', 'C64'])('an unused %s tensor beside the float ones', async (dtype) => {
    const path = join(dir, 'mixed.safetensors');
    const bits = { F64: 64, I16: 16, U16: 16, BOOL: 8, F8_E4M3: 8, F8_E5M2: 8, U64: 64, C64: 64 }[dtype]!;
    await writeRaw(path, { odd: { dtype, shape: [2], data_offsets: [0, bits / 4] }, w: { dtype: 'F32', shape: [1], data_offsets: [bits / 4, bits / 4 + 4] } }, bits / 4 + 4);
    const st = await openSafetensors(path);
    expect(st.info('odd')).toMatchObject({ dtype, shape: [2], byteLength: bits / 4 });
    expect([...(await st.readF32('w'))]).toEqual([0]);
    await st.close();
  });

  it('__metadata__: null, as no metadata', async () => {
    const path = join(dir, 'null-meta.safetensors');
    await writeRaw(path, { __metadata__: null, w: u8(0, 2) }, 2);
    const st = await openSafetensors(path);
    expect(st.metadata()).toEqual({});
    await st.close();
  });

  it('tensors listed in any order, and zero-length tensors sharing an offset', async () => {
    const path = join(dir, 'unordered.safetensors');
    await writeRaw(path, { b: u8(2, 6), e1: u8(2, 2), a: u8(0, 2), e2: u8(2, 2) }, 6);
    const st = await openSafetensors(path);
    expect(st.names().sort()).toEqual(['a', 'b', 'e1', 'e2']);
    await st.close();
  });

  it('unknown fields inside a tensor entry, and spaces around the header', async () => {
    const path = join(dir, 'extra-field.safetensors');
    await writeHeaderText(path, ' {"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"note":1.5}}   ', 2);
    const st = await openSafetensors(path);
    expect(st.info('w').shape).toEqual([2]);
    await st.close();
  });

  it('writes an F4 tensor with whole bytes and reads it back as raw bytes', async () => {
    const path = join(dir, 'f4-ok.safetensors');
    await writeSafetensors(path, { w: { dtype: 'F4', shape: [4], data: new Uint8Array([0x12, 0x34]) } });
    const st = await openSafetensors(path);
    expect([...(await st.read('w'))]).toEqual([0x12, 0x34]);
    await st.close();
  });
});
