// Downloaded model files kept in the browser's origin-private file system (OPFS), so a reload reads
// the weights from disk instead of the network: each file is written as it is read, and marked
// complete once every byte has been (a load reads every tensor, so the first load fills it).
import type { ByteSource } from '../io/byte-source.js';
import { blobSource } from './byte-sources.js';
import type { ModelFiles } from './model-files.js';

const ROOT = 'wgml-cache';
const COMPLETE = '.complete';

async function cacheDir(key: string, create: boolean): Promise<FileSystemDirectoryHandle | null> {
  try {
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(ROOT, { create });
    return await root.getDirectoryHandle(encodeURIComponent(key), { create });
  } catch {
    return null;
  }
}

async function existing(dir: FileSystemDirectoryHandle, name: string): Promise<File | null> {
  return dir.getFileHandle(name).then(
    (h) => h.getFile(),
    () => null,
  );
}

/** `source` with every byte it reads also written to `handle`; complete marked on close when all were. */
async function writeThrough(dir: FileSystemDirectoryHandle, name: string, source: ByteSource): Promise<ByteSource> {
  const handle = await dir.getFileHandle(name, { create: true });
  if (!('createWritable' in handle)) return source; // Safari writes OPFS files only from workers
  const writable = await handle.createWritable({ keepExistingData: false });
  const seen = new Set<number>();
  let written = 0;
  return {
    path: source.path,
    size: source.size,
    async read(position, length) {
      const bytes = await source.read(position, length);
      if (!seen.has(position)) {
        seen.add(position);
        written += length;
        await writable.write({ type: 'write', position, data: bytes as Uint8Array<ArrayBuffer> });
      }
      return bytes;
    },
    async close() {
      await source.close();
      await writable.close();
      if (written === source.size) await dir.getFileHandle(name + COMPLETE, { create: true });
    },
  };
}

/** `files` read through the OPFS cache under `key` (default: the directory's URL). */
export async function cachedFiles(files: ModelFiles, onBytes?: (n: number) => void, opened?: (size: number) => void, key = files.dir): Promise<ModelFiles> {
  const dir = await cacheDir(key, true);
  if (!dir) return files;
  return {
    dir: files.dir,
    async text(name) {
      const hit = await existing(dir, name);
      if (hit) return hit.text();
      const text = await files.text(name);
      if (text !== null) {
        const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
        await writable.write(text);
        await writable.close();
      }
      return text;
    },
    async open(name) {
      const hit = (await existing(dir, name + COMPLETE)) && (await existing(dir, name));
      if (hit) {
        opened?.(hit.size);
        return blobSource(files.dir + name, hit, onBytes);
      }
      const source = await files.open(name);
      return source && writeThrough(dir, name, source);
    },
  };
}

/** Forgets the cached files of one model directory (its URL), or of every model. */
export async function clearModelCache(key?: string): Promise<void> {
  const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(ROOT, { create: true });
  if (key === undefined) for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) await root.removeEntry(name, { recursive: true });
  else await root.removeEntry(encodeURIComponent(key), { recursive: true }).catch(() => undefined);
}
