import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, finishedIds, runTeacher } from '../../../recipes/special-tokens/teacher.js';
import { type FakeEndpoint, fakeOpenAI } from './fake-openai.js';
import { jobs, options } from './fixtures/teacher-options.js';

const VITEST = new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const CONFIG = new URL('./fixtures/vitest.config.ts', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmpFile = async () => join(await mkdtemp(join(tmpdir(), 'wgml-teacher-')), 'out.jsonl');
const ids = async (file: string) => (await readFile(file, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);

let endpoint: FakeEndpoint | undefined;
afterEach(async () => endpoint?.close());

describe('the teacher client', () => {
  it('gets every job through 429s, 500s and hung requests by retrying', async () => {
    const faults = [429, 500, 'hang', 429, 500, 'hang'] as const;
    endpoint = await fakeOpenAI((n) => faults[n] ?? 'ok');
    const out = await tmpFile();
    const r = await runTeacher(jobs(10), out, options(endpoint.url));
    expect(r.failed).toEqual([]);
    expect((await ids(out)).sort()).toEqual(jobs(10).map((j) => j.id).sort());
    expect(endpoint.requests).toBe(16);
  });

  it('gives up after maxRetries and reports the job as failed, not written', async () => {
    endpoint = await fakeOpenAI((n) => (n < 3 ? 500 : 'ok'));
    const out = await tmpFile();
    const r = await runTeacher(jobs(1), out, options(endpoint.url, { maxRetries: 2 }));
    expect(r.failed.map((f) => f.id)).toEqual(['job-0']);
    expect(existsSync(out) ? await readFile(out, 'utf8') : '').toBe('');
  });

  it('counts a malformed reply as failed and never writes it', async () => {
    endpoint = await fakeOpenAI(() => 'ok');
    const out = await tmpFile();
    const r = await runTeacher(jobs(3), out, options(endpoint.url, { toRecord: () => null }));
    expect(r.failed).toHaveLength(3);
    expect(r.failed[0]!.reason).toMatch(/malformed/);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    endpoint = await fakeOpenAI(() => 'ok', 20);
    const base = options(endpoint.url, { concurrency: 3 });
    const create = base.client.chat.completions.create.bind(base.client.chat.completions);
    base.client.chat.completions.create = (async (...a: Parameters<typeof create>) => {
      peak = Math.max(peak, ++inFlight);
      try {
        return await create(...a);
      } finally {
        inFlight--;
      }
    }) as typeof create;
    await runTeacher(jobs(12), await tmpFile(), base);
    expect(peak).toBe(3);
  });

  it('backs off exponentially with full jitter under a cap', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffMs(a, 100, 1000, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffMs(3, 100, 1000, () => 0.5)).toBe(400);
  });

  it('cuts a torn last line off before resuming', async () => {
    const out = await tmpFile();
    await writeFile(out, '{"id":"job-0"}\n{"id":"jo');
    expect([...(await finishedIds(out))]).toEqual(['job-0']);
    expect(await readFile(out, 'utf8')).toBe('{"id":"job-0"}\n');
  });

  it('resumes after a kill -9 mid-run with no duplicate and no lost record', async () => {
    endpoint = await fakeOpenAI(() => 'ok', 100);
    const out = await tmpFile();
    const proc = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG, 'teacher-run'], { env: { ...process.env, WGML_TEACHER_URL: endpoint.url, WGML_TEACHER_OUT: out }, detached: true, stdio: 'ignore' });
    const exited = new Promise((r) => proc.on('exit', r));
    while (!(existsSync(out) && statSync(out).size > 0) && proc.exitCode === null) await sleep(10);
    await sleep(100);
    process.kill(-proc.pid!, 'SIGKILL');
    await exited;
    const before = await ids(out);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(40);
    const r = await runTeacher(jobs(40), out, options(endpoint.url, { concurrency: 8 }));
    expect(r.skipped).toBe(before.length);
    const after = await ids(out);
    expect(after).toHaveLength(40);
    expect(new Set(after).size).toBe(40);
  });
});
