// safetensors files on disk: opening a file, index or model directory (the parsing is
// platform-free, in safetensors-reader.ts) and writing a file atomically.

import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CheckpointFormatError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import type { ByteSource } from './byte-source.js';
import { encodeSafetensors, type TensorToWrite } from './safetensors-writer.js';
import { SHARD_INDEX, SINGLE_FILE, SafetensorsReader } from './safetensors-reader.js';

export { SHARD_INDEX, SINGLE_FILE, SafetensorsReader, type TensorInfo } from './safetensors-reader.js';
export { encodeSafetensors, type TensorData, type TensorToWrite } from './safetensors-writer.js';

/** Opens a .safetensors file, a model.safetensors.index.json, or a directory holding either. */
export async function openSafetensors(pathOrDir: string): Promise<SafetensorsReader> {
  const target = await resolveCheckpoint(pathOrDir);
  if (!target.endsWith('.index.json')) return SafetensorsReader.fromSource(pathOrDir, await openFile(target));
  return SafetensorsReader.fromShardIndex(pathOrDir, target, await readJson(target), (shard) => openFile(join(dirname(target), shard)));
}

// A directory means an HF model dir: sharded index first (it is what transformers prefers
// when both exist), then the single file.
async function resolveCheckpoint(pathOrDir: string): Promise<string> {
  const stats = await stat(pathOrDir).catch((err: NodeJS.ErrnoException) => {
    throw new CheckpointFormatError(`${pathOrDir}: cannot open (${err.code ?? err.message})`);
  });
  if (!stats.isDirectory()) return pathOrDir;
  for (const candidate of [SHARD_INDEX, SINGLE_FILE]) {
    const path = join(pathOrDir, candidate);
    if (await stat(path).then((s) => s.isFile(), () => false)) return path;
  }
  throw new CheckpointFormatError(`${pathOrDir}: holds neither ${SINGLE_FILE} nor ${SHARD_INDEX}`);
}

/** A file on disk as a ByteSource. */
export async function openFile(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new CheckpointFormatError(`${path}: cannot open (${err.code ?? err.message})`);
  });
  const size = await handle.stat().then(
    (s) => s.size,
    async (err: unknown) => {
      await handle.close();
      throw err;
    },
  );
  return { path, size, read: (position, length) => readExactly(handle, position, length, path), close: () => handle.close() };
}

/** Reads exactly `length` bytes at `position`; a short read means the file changed or is truncated. */
async function readExactly(handle: FileHandle, position: number, length: number, path: string): Promise<Uint8Array> {
  // allocUnsafeSlow: no zero-fill of multi-GB buffers, and its own ArrayBuffer at offset 0 so
  // callers can view it as Float32Array/Uint16Array without an alignment copy.
  const buffer = Buffer.allocUnsafeSlow(length);
  const maxChunk = 1 << 30; // one read() call is limited to 2 GiB
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, Math.min(maxChunk, length - done), position + done);
    if (bytesRead === 0) throw new CheckpointFormatError(`${path}: unexpected end of file at byte ${position + done}; the file is truncated`);
    done += bytesRead;
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CheckpointFormatError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** Writes tensors as `safetensors.torch.save_file` does (see encodeSafetensors), atomically. */
export async function writeSafetensors(
  path: string,
  tensors: Readonly<Record<string, TensorToWrite>>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(path, tensors, metadata));
}
