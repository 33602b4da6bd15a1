// The core folders (src/gpu, tensor, nn, quant, cpu, engine) run in the browser bundle as they are,
// so scripts/check-core-imports.mjs (also run by `npm run build`) refuses Node imports and globals there
// and in every module a core file reaches through value imports.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'check-core-imports.mjs');

function check(root: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

const roots: string[] = [];
function fixture(file: string, text: string): string {
  const root = mkdtempSync(join(tmpdir(), 'wgml-core-'));
  roots.push(root);
  const path = join(root, file);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return root;
}
afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

describe('core import check', () => {
  it('passes on this repository', () => {
    const r = check(join(import.meta.dirname, '..', '..'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each([
    ["import { readFile } from 'node:fs/promises';", "imports 'node:fs/promises'"],
    ["import { join } from 'path';", "imports 'path'"],
    ["const fs = await import('fs');", "imports 'fs'"],
    ["import { create } from 'webgpu';", "imports 'webgpu'"],
    ['export const b = Buffer.from([1]);', 'uses Buffer'],
    ['export const env = process.env.X;', 'uses process'],
  ])('fails on a core file that has `%s`', (line, why) => {
    const r = check(fixture('src/nn/bad.ts', `// a core file\n${line}\n`));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`src/nn/bad.ts line 2: ${why}`);
  });

  it('ignores names in comments and strings, and files outside the core', () => {
    const root = fixture('src/gpu/ok.ts', "// process and Buffer, import 'node:fs'\nexport const m = 'no process, no Buffer';\n");
    mkdirSync(join(root, 'src', 'platform'));
    writeFileSync(join(root, 'src', 'platform', 'node.ts'), "import { readFileSync } from 'node:fs';\n");
    expect(check(root)).toEqual({ status: 0, stderr: '' });
  });

  it('fails on a core file whose value import reaches a module that imports Node, naming the chain', () => {
    const root = fixture('src/nn/adapter.ts', "import { readAdapter } from '../io/files.js';\nexport const a = readAdapter;\n");
    mkdirSync(join(root, 'src', 'io'));
    writeFileSync(join(root, 'src', 'io', 'files.ts'), "import { readFile } from 'node:fs/promises';\nexport const readAdapter = readFile;\n");
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("src/io/files.ts (reached from src/nn/adapter.ts) line 1: imports 'node:fs/promises'");
  });

  it('follows no `import type`: a type-only import is erased and reaches nothing at run time', () => {
    const root = fixture('src/engine/host.ts', "import type { Files } from '../io/files.js';\nexport type Host = Files;\n");
    mkdirSync(join(root, 'src', 'io'));
    writeFileSync(join(root, 'src', 'io', 'files.ts'), "import { readFile } from 'node:fs/promises';\nexport type Files = typeof readFile;\n");
    expect(check(root)).toEqual({ status: 0, stderr: '' });
  });
});
