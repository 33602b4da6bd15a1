// A recipe step run in a child vitest process that a kill test may SIGKILL at a moment keyed to
// progress: after the child has written a given file (its mtime past the child's start), plus a
// delay, so the kill lands in the phase after that file however fast the machine is.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const VITEST = new URL('../../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface KillAt {
  /** The progress file whose (re)write starts the countdown. */
  file: string;
  delayMs: number;
}

/** Runs `vitest run --config config ...filters` with `env`; resolves true when it finished (exit 0). */
export async function runKillable(config: string, filters: readonly string[], env: Record<string, string>, kill?: KillAt): Promise<boolean> {
  const started = Date.now();
  const proc = spawn(process.execPath, [VITEST, 'run', '--config', config, ...filters], { env: { ...process.env, ...env }, detached: true, stdio: 'ignore' });
  let done = false;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => { done = true; resolve(code); }));
  if (kill) {
    while (!done && !(existsSync(kill.file) && statSync(kill.file).mtimeMs >= started)) await sleep(10);
    await sleep(kill.delayMs);
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // It finished first.
    }
  }
  return (await exited) === 0;
}
