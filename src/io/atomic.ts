// Every file the project writes goes through here, so a crash or a full disk leaves either
// the old file or the complete new one, never a torn one.

import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** `.<name>.<pid>.<12 hex>.tmp`: the temporary file writeFileAtomic writes first. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** Bytes to write: one buffer, a string (UTF-8), or chunks written in order without concatenating. */
export type AtomicData = string | Uint8Array | readonly Uint8Array[];

/**
 * Writes `data` to `path` atomically: a temporary file in the same directory (rename is only
 * atomic within one file system), fsync'd before the rename so the new name never points at
 * unwritten blocks.
 */
export async function writeFileAtomic(path: string, data: AtomicData): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeAndSync(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** Whether process `pid` is running (a process of another user counts: EPERM). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files under `dir` (its subfolders too) that writeFileAtomic left when its
 * process was killed between writing and renaming; a running process's are its writes in flight
 * and stay. Returns the paths removed.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  const stale = entries.filter((e) => {
    const pid = e.isFile() ? TEMP_NAME.exec(e.name)?.[1] : undefined;
    return pid !== undefined && !alive(Number(pid));
  }).map((e) => join(e.parentPath, e.name));
  for (const path of stale) await unlink(path).catch(() => undefined);
  return stale;
}

async function writeAndSync(path: string, data: AtomicData): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    const chunks = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
    for (const chunk of chunks) await handle.writeFile(chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// The rename itself is only durable once the directory entry is flushed. Windows cannot open
// a directory for syncing; there the rename is as durable as the OS makes it.
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    return;
  } finally {
    await handle?.close();
  }
}
