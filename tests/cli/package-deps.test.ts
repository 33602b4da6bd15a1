// What `npm install wgml` gives: every package the built commands import at run time is among the
// package's dependencies, not its devDependencies (which an install from the registry leaves out).
// The fuzzer (dist/bench/fuzz, `npm run fuzz`) is a development tool and may use devDependencies.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; files: string[] };
const SHIPPED = ['dist/src', 'dist/bench', 'dist/recipes'];
const DEV_ONLY = ['dist/bench/fuzz/'];

/** The package a bare specifier names ('@scope/name/sub' → '@scope/name'); null for relative and node: ones. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
}

describe('the installed package', () => {
  it('imports at run time only its dependencies and node builtins', () => {
    const js = SHIPPED.flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js')).map((f) => join(ROOT, dir, f)));
    expect(js.length).toBeGreaterThan(100);
    const undeclared = js
      .filter((f) => !DEV_ONLY.some((d) => relative(ROOT, f).startsWith(d)))
      .flatMap((f) => imports(f).map((s) => [relative(ROOT, f), packageOf(s)] as const))
      .filter(([, p]) => p !== null && !(p in pkg.dependencies))
      .map(([f, p]) => `${f}: ${p}`);
    expect(undeclared).toEqual([]);
  });

  it('ships the worker, the shaders, the configs, the data and the models beside dist', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'src/cuda/python', 'shaders', 'configs', 'data', 'models']));
  });
});
