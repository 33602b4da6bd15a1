// Builds the "wgml/browser" bundle: src/platform/browser.ts and what it imports as one ESM file,
// dist/browser/wgml.js, for browsers (types: tsc's dist/src/platform/browser.d.ts); and the demo
// page dist/web/ (index.html and app.js, which imports the bundle from /browser/wgml.js).
//
// Node-only modules the bundle reaches but never runs in a browser (files on disk in src/io and
// src/model, Dawn in src/platform/node.ts) are replaced by stubs whose every export throws
// "<module>.<name> is not available in the browser", so the bundle holds no Node built-in and a
// path that would need one fails by name instead of at import. The build fails if any import of
// a Node module is left in the output.
// Usage: node scripts/bundle-browser.mjs [outfile]
import { copyFileSync, mkdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { shaderDefine } from './embed-shaders.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = join(ROOT, 'dist', 'browser', 'wgml.js');
export const WEB = join(ROOT, 'dist', 'web');
const NODE_ONLY = new Set(['webgpu', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

async function exportNames(module) {
  if (module === 'webgpu') return ['create', 'globals'];
  return Object.keys(await import(module)).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default');
}

const nodeStubs = {
  name: 'node-stubs',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => (NODE_ONLY.has(args.path) ? { path: args.path, namespace: 'node-stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, async ({ path }) => {
      const names = await exportNames(path);
      const lines = [
        `const unavailable = (name) => () => { throw new Error(${JSON.stringify(path)} + '.' + name + ' is not available in the browser (a Node-only path of wgml was called)'); };`,
        ...names.map((n) => `export const ${n} = unavailable(${JSON.stringify(n)});`),
        'export default {};',
      ];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

// The page takes the library from the bundle the server serves, not a copy of its own.
const bundleExternal = {
  name: 'bundle-external',
  setup(b) {
    b.onResolve({ filter: /platform\/browser\.js$/ }, () => ({ path: '/browser/wgml.js', external: true }));
  },
};

async function buildPage() {
  mkdirSync(WEB, { recursive: true });
  copyFileSync(join(ROOT, 'src', 'web', 'index.html'), join(WEB, 'index.html'));
  await build({
    entryPoints: [join(ROOT, 'src', 'web', 'app.ts')],
    outfile: join(WEB, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [bundleExternal],
  });
}

export async function bundle(outfile = BUNDLE) {
  await buildPage();
  const result = await build({
    entryPoints: [join(ROOT, 'src', 'platform', 'browser.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    // The bundle always carries the shaders/ of this tree (the browser tests build it before each run).
    define: shaderDefine(),
    plugins: [nodeStubs],
  });
  const stubbed = Object.keys(result.metafile.inputs).filter((p) => p.startsWith('node-stub:'));
  const left = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  if (left.length > 0) throw new Error(`${outfile} still imports ${left.join(', ')}; the browser bundle must be self-contained`);
  return { outfile, stubbed: stubbed.map((p) => p.slice('node-stub:'.length)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { outfile, stubbed } = await bundle(process.argv[2]);
  console.log(`${outfile} (Node-only modules stubbed: ${stubbed.join(', ')})`);
}
