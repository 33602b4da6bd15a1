// A plain `wgml info` (the built CLI) says nothing on stderr but what Dawn itself cannot be kept
// from printing: the two limit notices its Limits.cpp writes to stderr (dawn::WarningLog, no
// switch) while it enumerates an OpenGL ES adapter, before any limit is requested.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const DAWN_LIMIT_NOTICE = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;

describe('wgml info', () => {
  it('prints no "Couldn\'t load Vulkan" or other warning on stderr where no Vulkan loader is installed', async () => {
    const { DAWNNODE_BACKEND: _, ...env } = process.env;
    const { stdout, stderr } = await exec(process.execPath, ['dist/src/cli/wgml.js', 'info'], { env, timeout: 60_000 });
    expect(stdout).toMatch(/^backend +\S+/m);
    expect(stderr).not.toMatch(/Vulkan/);
    expect(stderr.split('\n').filter((line) => line.trim() && !DAWN_LIMIT_NOTICE.test(line))).toEqual([]);
  });
});
