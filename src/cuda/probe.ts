// What the CUDA path needs on this machine, asked of the worker itself (`python -m wgml_cuda env`):
// the interpreter, each package's version, torch's CUDA build, the GPUs. Each finding says whether it
// is ready and, when not, the command that fixes it; `wgml doctor --backend cuda` prints them.
import { execFile } from 'node:child_process';
import { z } from 'zod';
import { pythonExecutable, REQUIREMENTS, workerEnv } from './worker.js';

const EnvReportSchema = z.object({
  worker: z.string(),
  python: z.string(),
  executable: z.string(),
  packages: z.record(z.string(), z.string().nullable()),
  cuda: z.object({
    available: z.boolean(),
    build: z.string().nullable(),
    devices: z.array(z.object({ name: z.string(), memory_bytes: z.number() })),
  }),
  install: z.string(),
});
export type EnvReport = z.output<typeof EnvReportSchema>;

export interface Finding {
  name: string;
  value: string;
  ok: boolean;
  /** How to make it ok (absent when ok). */
  fix?: string;
}

/** The packages the worker imports, in the order they are reported. */
export const CUDA_PACKAGES = ['torch', 'transformers', 'peft', 'bitsandbytes', 'accelerate', 'safetensors', 'vllm'] as const;

/** The packages only some tasks import, and which. */
const ONLY_FOR: Partial<Record<(typeof CUDA_PACKAGES)[number], string>> = {
  bitsandbytes: 'training on a 4-bit base; quantization.format none trains without it',
  vllm: 'generation',
};

const MIN_PYTHON = [3, 10] as const;

export type ProbeResult = { ok: true; report: EnvReport; python: string } | { ok: false; python: string; error: string };

export function probeCuda(python = pythonExecutable()): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(python, ['-m', 'wgml_cuda', 'env'], { env: workerEnv(), timeout: 120_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ ok: false, python, error: `${python} not found` });
      if (error) return resolve({ ok: false, python, error: (stderr.trim().split('\n').at(-1) ?? '') || error.message });
      const parsed = EnvReportSchema.safeParse(JSON.parse(stdout));
      resolve(parsed.success ? { ok: true, report: parsed.data, python } : { ok: false, python, error: `unexpected env report (${parsed.error.issues[0]?.message})` });
    });
  });
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export function cudaFindings(probe: ProbeResult): Finding[] {
  if (!probe.ok) return [{ name: 'python', value: `${probe.python}: ${probe.error}`, ok: false, fix: 'install Python 3.10 or newer (apt-get install python3), or point WGML_PYTHON at one' }];
  const r = probe.report;
  const [major = 0, minor = 0] = r.python.split('.').map(Number);
  const pythonOk = major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
  const out: Finding[] = [{ name: 'python', value: `${r.python} (${r.executable})`, ok: pythonOk, ...(pythonOk ? {} : { fix: `Python ${MIN_PYTHON.join('.')}+ is needed; point WGML_PYTHON at one` }) }];
  for (const name of CUDA_PACKAGES) {
    const version = r.packages[name] ?? null;
    const missing = ONLY_FOR[name] ? `missing (needed for ${ONLY_FOR[name]})` : 'missing';
    out.push({ name, value: version ?? missing, ok: version !== null, ...(version === null ? { fix: r.install } : {}) });
  }
  const torch = r.packages['torch'];
  if (!torch) out.push({ name: 'cuda', value: 'not checked: torch is missing', ok: false, fix: r.install });
  else {
    const build = r.cuda.build;
    out.push({ name: 'cuda', value: build ? `torch built for CUDA ${build}; ${r.cuda.available ? 'available' : 'no device visible'}` : 'torch is a CPU-only build', ok: r.cuda.available, ...(r.cuda.available ? {} : { fix: build ? 'no NVIDIA GPU is visible: check nvidia-smi, the driver and CUDA_VISIBLE_DEVICES' : `install a CUDA build of torch: ${r.executable} -m pip install -r ${REQUIREMENTS} (Linux wheels from PyPI are CUDA builds)` }) });
    const devices = r.cuda.devices;
    out.push({ name: 'gpus', value: devices.length ? devices.map((d, i) => `${i}: ${d.name} ${gib(d.memory_bytes)}`).join('; ') : '0', ok: devices.length > 0, ...(devices.length ? {} : { fix: 'the CUDA path needs at least one NVIDIA GPU' }) });
  }
  return out;
}
