// wgml doctor on a machine like CI's: a WebGPU adapter (llvmpipe) but no CUDA stack, so
// `--backend cuda` is not ready and names each missing piece with its fix.
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/cli/commands/doctor.js';

async function doctor(options: Parameters<typeof runDoctor>[0]): Promise<{ status: number; text: string }> {
  const lines: string[] = [];
  const status = await runDoctor({ ...options, log: (l) => lines.push(l) });
  return { status, text: lines.join('\n') };
}

describe('wgml doctor', () => {
  it('is ready for WebGPU alone when an adapter comes up, naming its backend and features', async () => {
    const { status, text } = await doctor({});
    expect(text).toMatch(/^ok\s+webgpu .*backend \w+/m);
    expect(text).toMatch(/shader-f16 (yes|no), subgroups (yes|no)/);
    expect(status).toBe(0);
  });

  it('with --backend cuda here is not ready and names the missing packages with the pip command', async () => {
    const { status, text } = await doctor({ backend: 'cuda' });
    expect(status).toBe(1);
    for (const name of ['transformers', 'peft', 'bitsandbytes', 'accelerate', 'vllm']) expect(text).toMatch(new RegExp(`^MISSING ${name}\\s+missing`, 'm'));
    expect(text).toMatch(/^fix: .*transformers.*: \S*python3? -m pip install -r \S+src\/cuda\/python\/requirements\.txt$/m);
    expect(text).toMatch(/^not ready: .*vllm/m);
  });

  it('with an interpreter that is not there says so and how to get one', async () => {
    const { status, text } = await doctor({ backend: 'cuda', python: '/nonexistent/python3' });
    expect(status).toBe(1);
    expect(text).toMatch(/^MISSING python\s+\/nonexistent\/python3: \/nonexistent\/python3 not found/m);
    expect(text).toMatch(/^fix: python: install Python 3\.10 or newer/m);
  });
});
