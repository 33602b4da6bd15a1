// Runs bench/peers/qwen3_torch.py, the PyTorch-CPU peer, with the first python that imports torch
// ($WGML_PYTHON, python3, then Debian's /usr/bin/python3, which a pyenv shim on PATH may hide).
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type PeerResult<T> = { ok: true; python: string; result: T } | { ok: false; reason: string };

function script(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled to dist/bench/peers/, the script stays in the source tree's bench/peers/.
  const root = here.endsWith(join('dist', 'bench', 'peers')) ? join(here, '..', '..', '..') : join(here, '..', '..');
  return join(root, 'bench', 'peers', 'qwen3_torch.py');
}

async function findPython(): Promise<string | undefined> {
  const candidates = [process.env.WGML_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const python of candidates) {
    try {
      await run(python, ['-c', 'import torch'], { timeout: 60_000 });
      return python;
    } catch {
      // not this one: try the next
    }
  }
  return undefined;
}

/** The peer's JSON for `mode`, or why there is none (no torch, or the script failed). */
export async function torchPeer<T>(mode: 'decode' | 'train' | 'kernels', config: object): Promise<PeerResult<T>> {
  const python = await findPython();
  if (!python) return { ok: false, reason: 'no python3 with torch found (Debian: apt-get install python3-torch; or set WGML_PYTHON)' };
  console.log(`running the PyTorch-CPU peer (${python} ${mode}) ...`);
  try {
    const { stdout } = await run(python, [script(), mode, JSON.stringify(config)], { maxBuffer: 1 << 20 });
    return { ok: true, python, result: JSON.parse(stdout.trim().split('\n').at(-1)!) as T };
  } catch (error) {
    return { ok: false, reason: `the torch peer failed: ${(error as Error).message.split('\n').slice(0, 4).join(' ')}` };
  }
}
