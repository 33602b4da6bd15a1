// Decode-step profile: where one step's time goes, per kernel family. llvmpipe has no timestamp
// queries, so each dispatch the step recorded is replayed alone (R copies in one submission, the
// empty submission's round trip subtracted) and timed on the host. The step's dispatches are
// captured by wrapping the recorder; buffer reuse is held back meanwhile so every captured binding
// stays the buffer the step used (contents may be later ones, which changes no kernel's work).
import type { Device } from '../src/gpu/device.js';
import { isBuffer, type Binding } from '../src/gpu/bind-groups.js';
import type { Kernel } from '../src/gpu/kernels.js';
import { median } from './harness.js';

export interface Captured {
  kernel: Kernel;
  params: number[];
  buffers: Binding[];
  groups: [number, number?, number?];
}

export interface ProfileRow {
  family: string;
  dispatches: number;
  ms: number;
  ofStep: number;
}

export interface StepProfile {
  batch: number;
  dispatches: number;
  /** Host wall time of the captured step: recording, submission, GPU work and the token readback. */
  stepMs: number;
  /** Of which recording: first dispatch to the readback call (JS, bind groups, uniforms). */
  recordMs: number;
  /** Of which createBindGroup calls (what reusing bind groups across steps could save). */
  bindGroupMs: number;
  /** Sum of the isolated dispatch times. */
  kernelMs: number;
  /** Round trip of an empty submission (submit and wait). */
  emptySubmitMs: number;
  families: ProfileRow[];
  /** The costliest (kernel, uniform block) pairs: shapes of the hot dispatches. */
  top: (ProfileRow & { params: number[] })[];
}

/** `matvec_columns.wgsl:main{B_DTYPE=1,M=1}` → `matvec_columns:main`. */
export function familyOf(kernel: Kernel): string {
  return kernel.name.replace(/\{.*$/, '').replace('.wgsl', '');
}

/** The dispatches of the last submission `run` makes (with its wall time from first dispatch to last readback). */
async function captureLastStep(device: Device, run: () => Promise<void>): Promise<{ step: Captured[]; stepMs: number; recordMs: number; bindGroupMs: number; held: GPUBuffer[] }> {
  const rec = device.recorder;
  const pool = device.pool;
  const gpu = device.gpu;
  const [dispatch, read, release, createBindGroup] = [rec.dispatch, rec.read, pool.release, gpu.createBindGroup];
  const held: GPUBuffer[] = [];
  let segment: Captured[] = [];
  let last: Captured[] = [];
  let started = 0;
  let stepMs = 0;
  let recordMs = 0;
  let [binding, bindGroupMs] = [0, 0];
  gpu.createBindGroup = function (descriptor) {
    const t0 = performance.now();
    const group = createBindGroup.call(this, descriptor);
    binding += performance.now() - t0;
    return group;
  };
  rec.dispatch = function (kernel, params, buffers, groups) {
    if (segment.length === 0) [started, binding] = [performance.now(), 0];
    segment.push({ kernel, params: Array.from(params), buffers: [...buffers], groups });
    dispatch.call(this, kernel, params, buffers, groups);
  };
  rec.read = async function (src, offset, bytes) {
    const recorded = performance.now() - started;
    const out = await read.call(this, src, offset, bytes);
    if (segment.length) [last, segment, stepMs, recordMs, bindGroupMs] = [segment, [], performance.now() - started, recorded, binding];
    return out;
  };
  pool.release = (buffer) => void held.push(buffer);
  try {
    await run();
  } finally {
    [rec.dispatch, rec.read, pool.release, gpu.createBindGroup] = [dispatch, read, release, createBindGroup];
  }
  return { step: last, stepMs, recordMs, bindGroupMs, held };
}

function uniformOf(device: Device, params: number[]): GPUBuffer {
  const words = new Uint32Array(Math.max(4, Math.ceil(params.length / 4) * 4));
  params.forEach((p, i) => (words[i] = p >>> 0));
  const buffer = device.gpu.createBuffer({ size: words.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint32Array(buffer.getMappedRange()).set(words);
  buffer.unmap();
  return buffer;
}

/** Milliseconds of `copies` back-to-back runs of `d` in one submission, submit to done. */
export async function submitMs(device: Device, d: Captured | null, copies: number, uniform: GPUBuffer | null): Promise<number> {
  const encoder = device.gpu.createCommandEncoder();
  if (d && uniform) {
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }, ...d.buffers.map((b, i) => ({ binding: i + 1, resource: isBuffer(b) ? { buffer: b } : b }))];
    const bindGroup = device.gpu.createBindGroup({ layout: d.kernel.layout, entries });
    const pass = encoder.beginComputePass();
    pass.setPipeline(d.kernel.pipeline);
    pass.setBindGroup(0, bindGroup);
    for (let i = 0; i < copies; i++) pass.dispatchWorkgroups(d.groups[0], d.groups[1] ?? 1, d.groups[2] ?? 1);
    pass.end();
  }
  const t0 = performance.now();
  device.gpu.queue.submit([encoder.finish()]);
  await device.gpu.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/** One dispatch's isolated time: enough copies per submission for about 2 ms, median of `reps`, less the empty round trip. */
export async function isolatedMs(device: Device, d: Captured, emptyMs: number, reps: number): Promise<number> {
  const uniform = uniformOf(device, d.params);
  const once = await submitMs(device, d, 1, uniform);
  const copies = Math.max(1, Math.min(64, Math.ceil(2 / Math.max(once - emptyMs, 0.01))));
  const times: number[] = [];
  for (let r = 0; r < reps; r++) times.push(await submitMs(device, d, copies, uniform));
  uniform.destroy();
  return Math.max(0, median(times) - emptyMs) / copies;
}

/** Each captured dispatch replayed alone and timed (less an empty submission's cost); the captured buffers go back to the pool after. */
export async function replayIsolated(device: Device, step: Captured[], held: readonly GPUBuffer[], reps: number): Promise<{ times: number[]; kernelMs: number; emptySubmitMs: number }> {
  const empties: number[] = [];
  for (let r = 0; r < 9; r++) empties.push(await submitMs(device, null, 0, null));
  const emptySubmitMs = median(empties);
  const times: number[] = [];
  for (const d of step) times.push(await isolatedMs(device, d, emptySubmitMs, reps));
  for (const b of held) device.pool.release(b);
  return { times, kernelMs: times.reduce((a, b) => a + b, 0), emptySubmitMs };
}

export function rowsBy(step: Captured[], times: number[], key: (d: Captured) => string, stepMs: number): ProfileRow[] {
  const acc = new Map<string, ProfileRow>();
  step.forEach((d, i) => {
    const k = key(d);
    const row = acc.get(k) ?? { family: k, dispatches: 0, ms: 0, ofStep: 0 };
    row.dispatches++;
    row.ms += times[i]!;
    row.ofStep = row.ms / stepMs;
    acc.set(k, row);
  });
  return [...acc.values()].sort((a, b) => b.ms - a.ms);
}

/** Profiles the last decode step of `run` (a short generation that has been run once already, so pipelines are compiled). */
export async function profileStep(device: Device, batch: number, run: () => Promise<void>, reps = 5): Promise<StepProfile> {
  const { step, stepMs, recordMs, bindGroupMs, held } = await captureLastStep(device, run);
  const { times, kernelMs, emptySubmitMs } = await replayIsolated(device, step, held, reps);
  const families = rowsBy(step, times, (d) => familyOf(d.kernel), stepMs);
  const byShape = rowsBy(step, times, (d) => `${familyOf(d.kernel)} [${d.params.join(',')}]`, stepMs);
  const top = byShape.slice(0, 8).map((r) => ({ ...r, params: r.family.replace(/^.*\[|\]$/g, '').split(',').map(Number) }));
  return { batch, dispatches: step.length, stepMs, recordMs, bindGroupMs, kernelMs, emptySubmitMs, families, top };
}

export function printProfile(p: StepProfile): void {
  console.log(`\ndecode step profile, batch ${p.batch}: ${p.dispatches} dispatches, step ${p.stepMs.toFixed(2)} ms wall (recording ${p.recordMs.toFixed(2)} ms, of which createBindGroup ${p.bindGroupMs.toFixed(2)} ms), isolated kernels ${p.kernelMs.toFixed(2)} ms (${((100 * p.kernelMs) / p.stepMs).toFixed(0)}%), empty submission ${p.emptySubmitMs.toFixed(3)} ms`);
  const fmt = (r: ProfileRow) => ({ family: r.family, dispatches: r.dispatches, ms: +r.ms.toFixed(3), 'ms each': +(r.ms / r.dispatches).toFixed(3), 'of step': `${(100 * r.ofStep).toFixed(1)}%` });
  console.table(p.families.map(fmt));
  console.log('costliest dispatch shapes (uniform block words):');
  console.table(p.top.map(fmt));
}
