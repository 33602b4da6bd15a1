// The interpreters the CUDA tests run the worker's pure parts under: $WGML_PYTHON, python3 on PATH and
// Debian's /usr/bin/python3 (where python3-torch installs), each asked once what it has.
import { execFileSync } from 'node:child_process';
import { WORKER_DIR, workerEnv } from '../../src/cuda/worker.js';

interface Interpreter {
  path: string;
  torch: boolean;
}

function ask(path: string): Interpreter | null {
  try {
    const out = execFileSync(path, ['-c', 'import importlib.util, sys; print(sys.version_info >= (3, 10), importlib.util.find_spec("torch") is not None)'], { encoding: 'utf8', timeout: 30_000 });
    const [recent, torch] = out.trim().split(' ');
    return recent === 'True' ? { path, torch: torch === 'True' } : null;
  } catch {
    return null;
  }
}

const CANDIDATES = [...new Set([process.env['WGML_PYTHON'], 'python3', '/usr/bin/python3'].filter((p): p is string => !!p))];
const FOUND = CANDIDATES.map(ask).filter((i): i is Interpreter => i !== null);

/** Any Python 3.10+ (null: none here). */
export const PYTHON: string | null = FOUND[0]?.path ?? null;
/** A Python 3.10+ with torch (null: none here). */
export const TORCH_PYTHON: string | null = FOUND.find((i) => i.torch)?.path ?? null;
export const TRIED = CANDIDATES.join(', ');

/** Runs `code` with the worker on the path, in the worker's directory; returns stdout. */
export function python(interpreter: string, code: string, input?: string): string {
  return execFileSync(interpreter, ['-c', code], { cwd: WORKER_DIR, env: workerEnv(), encoding: 'utf8', input, timeout: 120_000, maxBuffer: 64 << 20 });
}
