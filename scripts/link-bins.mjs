// Links this package's own bins into node_modules/.bin, so `npx recipe` and `npx wgml` run the
// checkout's build in place (npm links only dependencies' bins; `recipe` is not a package name).
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

const { bin } = JSON.parse(readFileSync('package.json', 'utf8'));
const dir = join('node_modules', '.bin');
mkdirSync(dir, { recursive: true });
for (const [name, target] of Object.entries(bin)) {
  chmodSync(target, 0o755);
  rmSync(join(dir, name), { force: true });
  symlinkSync(relative(dir, target), join(dir, name));
}
