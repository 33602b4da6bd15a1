// Where the Python worker lives and which interpreter runs it. The worker is run from its source
// directory (PYTHONPATH), so `pip install -r requirements.txt` is the only setup; WGML_PYTHON picks
// another interpreter (a venv's, say) than python3 on PATH.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The wgml package root: the nearest directory above this file whose package.json is wgml's (same from src/ and dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wgml') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the wgml package root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

const ROOT = packageRoot();

/** The directory holding the wgml_cuda package (its PYTHONPATH entry). */
export const WORKER_DIR = join(ROOT, 'src', 'cuda', 'python');

export const REQUIREMENTS = join(WORKER_DIR, 'requirements.txt');

/** Recorded in every spec (and so in every chunk file the worker writes). */
export const WORKER_VERSION: string = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export function pythonExecutable(env: NodeJS.ProcessEnv = process.env): string {
  return env['WGML_PYTHON'] || 'python3';
}

/** The environment every worker process gets: the caller's, with the worker on PYTHONPATH. */
export function workerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PYTHONPATH: env['PYTHONPATH'] ? `${WORKER_DIR}:${env['PYTHONPATH']}` : WORKER_DIR, PYTHONDONTWRITEBYTECODE: '1' };
}
