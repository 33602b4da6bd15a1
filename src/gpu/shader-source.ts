// Expands `#include "file.wgsl"` lines of shaders/*.wgsl, the one preprocessing step we allow; the
// platform supplies how a file is read.

const INCLUDE = /^#include "([\w/.-]+)"\s*$/;

function expand(file: string, seen: Set<string>, read: (file: string) => string): string {
  if (seen.has(file)) return '';
  seen.add(file);
  return read(file)
    .split('\n')
    .map((line) => {
      const m = INCLUDE.exec(line);
      return m ? expand(m[1]!, seen, read) : line;
    })
    .join('\n');
}

/** WGSL source of shaders/<name>.wgsl with its includes expanded once each. */
export function loadShaderSource(name: string, read: (file: string) => string): string {
  return expand(`${name}.wgsl`, new Set(), read);
}
