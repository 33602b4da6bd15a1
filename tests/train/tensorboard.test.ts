import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTensorBoardScalars, TensorBoardWriter } from '../../src/train/tensorboard.js';

describe('TensorBoard event files', () => {
  it('read back the scalars written, with their steps', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-tb-'));
    const tb = await TensorBoardWriter.create(dir);
    await tb.addScalars(1, { 'train/loss': 2.5, 'train/lr': 1e-4 });
    await tb.addScalars(300, { 'train/loss': 0.125 });
    const scalars = await readTensorBoardScalars(tb.file);
    expect(scalars.map(({ tag, step, value }) => ({ tag, step, value }))).toEqual([
      { tag: 'train/loss', step: 1, value: 2.5 },
      { tag: 'train/lr', step: 1, value: Math.fround(1e-4) },
      { tag: 'train/loss', step: 300, value: 0.125 },
    ]);
  });

  it('start with the file_version record TensorBoard expects', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-tb-'));
    const tb = await TensorBoardWriter.create(dir);
    expect((await readFile(tb.file)).toString('latin1')).toContain('brain.Event:2');
    expect(tb.file).toMatch(/events\.out\.tfevents\.\d+\./);
  });

  it('frame records with TFRecord masked CRCs that a reader verifies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-tb-'));
    const tb = await TensorBoardWriter.create(dir);
    await tb.addScalars(1, { x: 1 });
    const bytes = await readFile(tb.file);
    // The first record is 'brain.Event:2' with wall time and step 0: its length CRC is fixed by the format.
    const { crc32c } = await import('@aws-crypto/crc32c');
    const crc = crc32c(bytes.subarray(0, 8));
    expect(bytes.readUInt32LE(8)).toBe(((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0);
    bytes[bytes.length - 1] ^= 0xff;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(tb.file, bytes);
    await expect(readTensorBoardScalars(tb.file)).rejects.toThrow(/bad data CRC/);
  });
});
