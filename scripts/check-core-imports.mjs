// Fails (exit 1) when a core file names a platform: imports a Node built-in (node:*, 'fs', ...) or
// Dawn's 'webgpu' package, or uses the Buffer / process globals. The core is the part of src/ the
// browser bundle runs as it is (DESIGN.md "Layout"); src/platform/ is where a platform is named.
// Usage: node scripts/check-core-imports.mjs [root]   (root defaults to the working directory)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';

export const CORE_FOLDERS = ['src/gpu', 'src/tensor', 'src/nn', 'src/quant', 'src/cpu', 'src/engine'];
const FORBIDDEN_PACKAGES = new Set(['webgpu', ...builtinModules]);

function* tsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (/\.[cm]?[jt]s$/.test(name)) yield path;
  }
}

// Comments and the text of string/template literals are blanked (lengths kept, so line numbers
// hold), so `// uses process` or 'Buffer' in a message does not count; module specifiers are
// read from the original text.
function blankCommentsAndStrings(src) {
  return src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\[\s\S]|[^`\\])*`/g, (m) =>
    m.replace(/[^\n]/g, ' '),
  );
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"]+)\1/g;
const GLOBALS = /(?<![\w$.])(Buffer|process)(?![\w$])/g;

function lineOf(src, index) {
  return src.slice(0, index).split('\n').length;
}

/** Findings for one file's text: "line N: why". */
export function findPlatformUses(src) {
  const findings = [];
  const code = blankCommentsAndStrings(src);
  for (const m of src.matchAll(SPECIFIER)) {
    // A specifier inside a comment is blanked in `code`; skip it.
    if (code[m.index] === ' ') continue;
    const spec = m[2];
    const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
    if (spec.startsWith('node:') || FORBIDDEN_PACKAGES.has(bare) || FORBIDDEN_PACKAGES.has(bare.split('/')[0])) {
      findings.push(`line ${lineOf(src, m.index)}: imports '${spec}'`);
    }
  }
  for (const m of code.matchAll(GLOBALS)) findings.push(`line ${lineOf(src, m.index)}: uses ${m[1]}`);
  return findings;
}

// Value imports of a file's relative modules (`import type` is erased, so it reaches nothing at run time).
const RELATIVE_VALUE_IMPORT = /^\s*(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s*(['"])(\.{1,2}\/[^'"]+)\1/gm;

function relativeImports(file, src) {
  const code = blankCommentsAndStrings(src);
  return [...src.matchAll(RELATIVE_VALUE_IMPORT)]
    .filter((m) => code[m.index + m[0].search(/\S/)] !== ' ')
    .map((m) => join(dirname(file), m[2].replace(/\.js$/, '.ts')))
    .filter((path) => existsSync(path));
}

/**
 * Core files and every file they reach through value imports: a core file importing an io/ module
 * that reads files would carry Node into the bundle as surely as importing node:fs itself.
 */
export function checkCore(root) {
  const problems = [];
  const reachedFrom = new Map();
  const queue = [];
  for (const folder of CORE_FOLDERS) {
    const dir = join(root, folder);
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
    for (const file of tsFiles(dir)) queue.push([file, null]);
  }
  while (queue.length > 0) {
    const [file, from] = queue.shift();
    if (reachedFrom.has(file)) continue;
    reachedFrom.set(file, from);
    const src = readFileSync(file, 'utf8');
    const via = from === null ? '' : ` (reached from ${relative(root, from)})`;
    for (const f of findPlatformUses(src)) problems.push(`${relative(root, file)}${via} ${f}`);
    for (const next of relativeImports(file, src)) queue.push([next, file]);
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = checkCore(process.argv[2] ?? process.cwd());
  if (problems.length > 0) {
    console.error(`Core files name a platform (move it to src/platform/; see DESIGN.md "Layout"):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}
