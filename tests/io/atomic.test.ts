import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { removeStaleTemps, writeFileAtomic } from '../../src/io/atomic.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgml-atomic-'));
});

describe('writeFileAtomic', () => {
  it('replaces an existing file with the new contents and leaves no temporary file', async () => {
    const path = join(dir, 'out.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, '{"new":true}');
    expect(await readFile(path, 'utf8')).toBe('{"new":true}');
    expect(await readdir(dir)).toEqual(['out.json']);
  });

  it('writes a list of chunks in order', async () => {
    const path = join(dir, 'chunks.bin');
    await writeFileAtomic(path, [new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3])]);
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
  });

  it('removes its temporary file when the final rename fails', async () => {
    // A non-empty directory at the target path makes rename() fail after the data is written.
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'keep'), '');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['taken']);
  });
});

describe('removeStaleTemps', () => {
  it('removes the temporaries of writes whose process died, in subfolders too, and keeps a running process’s and every other file', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await mkdir(join(dir, 'generations'));
    const temp = (pid: number, name: string) => `.${name}.${pid}.0123456789ab.tmp`;
    const files = [join(dir, temp(dead, 'results.json')), join(dir, 'generations', temp(dead, 'step-00001.jsonl')), join(dir, temp(process.pid, 'inflight.json')), join(dir, 'results.json'), join(dir, '.notes.tmp')];
    for (const f of files) await writeFile(f, 'x');
    expect((await removeStaleTemps(dir)).sort()).toEqual(files.slice(0, 2).sort());
    expect((await readdir(dir, { recursive: true })).sort()).toEqual(['.inflight.json.' + process.pid + '.0123456789ab.tmp', '.notes.tmp', 'generations', 'results.json'].sort());
  });
});
