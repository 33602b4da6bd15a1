// Kernel benchmarks: matmul GFLOP/s against the PyTorch-CPU peer (bench/peers/; the plain-TS
// reference where torch is absent), decode matvec GB/s against the
// copy-bandwidth roof, and the transformer's other kernels at a Qwen-like shape.
import type { Device } from '../src/gpu/device.js';
import { Rng } from '../src/cpu/random.js';
import { matmulRef } from '../src/cpu/matmul.js';
import { matmul } from '../src/tensor/ops/matmul.js';
import { attention, attentionBackward } from '../src/tensor/ops/attention.js';
import { rmsNorm } from '../src/tensor/ops/rmsnorm.js';
import { Tensor } from '../src/tensor/tensor.js';
import { copyBandwidth, printTable, timeMs, writeResults, type BenchRow } from './harness.js';
import { printVariantAb, matvecVariantAb } from './matvec-ab.js';
import { torchPeer } from './peers/torch.js';

export interface KernelBenchOptions {
  /** Largest square matmul; 2048 takes a few seconds per call on llvmpipe. */
  maxSquare?: number;
  /** Largest square the plain-TS peer runs (it is O(n³) in a JS loop). */
  maxPeerSquare?: number;
}

async function gpuMs(device: Device, run: () => Tensor, budgetMs: number): Promise<number> {
  return timeMs(async () => {
    run().dispose();
    await device.sync();
  }, budgetMs);
}

interface TorchKernels {
  squares: { n: number; ms: number }[];
  matvecs: { M: number; K: number; N: number; ms: number }[];
  torch: string;
  threads: number;
}

type Peer = { ok: true; result: TorchKernels } | { ok: false; reason: string };

const DECODE_SHAPES = [[896, 896], [896, 4864], [4864, 896], [2048, 2048], [512, 1536], [1536, 512], [512, 16384]] as const;
const DECODE_ROWS = [1, 8, 32] as const;

function squareSizes(max: number): number[] {
  const sizes: number[] = [];
  for (let n = 256; n <= max; n *= 2) sizes.push(n);
  return sizes;
}

async function squareMatmuls(device: Device, rng: Rng, options: Required<KernelBenchOptions>, peer: Peer): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const n of squareSizes(options.maxSquare)) {
    const aV = rng.normals(n * n);
    const bV = rng.normals(n * n);
    const a = Tensor.from(device, aV, [n, n]);
    const b = Tensor.from(device, bV, [n, n]);
    const flops = 2 * n ** 3;
    const ms = await gpuMs(device, () => matmul(a, b), 1000);
    const row: BenchRow = { kernel: 'matmul f32', shape: `${n}³`, ms, rate: flops / ms / 1e6, unit: 'GFLOP/s' };
    const torch = peer.ok ? peer.result.squares.find((p) => p.n === n) : undefined;
    if (torch) row.peer = { name: `PyTorch ${peer.ok ? peer.result.torch : ''} f32`, ms: torch.ms, ratio: torch.ms / ms };
    else if (n <= options.maxPeerSquare) {
      const peerMs = await timeMs(async () => void matmulRef(aV, bV, { M: n, K: n, N: n }), 1000, 1);
      row.peer = { name: 'plain-TS reference', ms: peerMs, ratio: peerMs / ms };
    }
    rows.push(row);
    a.dispose();
    b.dispose();
  }
  return rows;
}

/** Decode projections M×K·Wᵀ with bf16 weights (N,K), M = 1, 8, 32 (the engine's batch): weight GB/s, read once for all rows. */
async function decodeMatvecs(device: Device, rng: Rng, roofGBs: number, peer: Peer): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const M of DECODE_ROWS) {
    for (const [K, N] of DECODE_SHAPES) {
      const x = Tensor.from(device, rng.normals(M * K), [M, K]);
      const w = Tensor.from(device, rng.normals(N * K, 0.02), [N, K], 'bf16');
      const ms = await gpuMs(device, () => matmul(x, w, { transB: true }), 500);
      const rate = (N * K * 2) / ms / 1e6;
      const row: BenchRow = { kernel: 'matvec bf16', shape: `${M}×${K}·(${N}×${K})ᵀ`, ms, rate, unit: 'GB/s', ofRoof: rate / roofGBs };
      const torch = peer.ok ? peer.result.matvecs.find((p) => p.M === M && p.K === K && p.N === N) : undefined;
      if (torch) row.peer = { name: 'PyTorch F.linear f32', ms: torch.ms, ratio: torch.ms / ms };
      rows.push(row);
      x.dispose();
      w.dispose();
    }
  }
  return rows;
}

/** RMSNorm over Qwen2.5-0.5B-wide rows: memory-bound, x read and y written. */
async function rmsNormRows(device: Device, rng: Rng, roofGBs: number): Promise<BenchRow[]> {
  const [rows, C] = [2048, 896];
  const x = Tensor.from(device, rng.normals(rows * C), [rows, C]);
  const w = Tensor.from(device, rng.normals(C), [C], 'bf16');
  const ms = await gpuMs(device, () => {
    const { y, rstd } = rmsNorm(x, w);
    rstd.dispose();
    return y;
  }, 500);
  const rate = (2 * rows * C * 4) / ms / 1e6;
  x.dispose();
  w.dispose();
  return [{ kernel: 'rmsnorm', shape: `${rows}×${C}`, ms, rate, unit: 'GB/s', ofRoof: rate / roofGBs }];
}

/** Causal GQA attention, Qwen2.5-0.5B heads (H 14, KV 2, D 64): a 256-token prefill (FLOPs of the causal half) and one decode step against 2048 cached positions (GB/s of K and V). */
async function attentionRows(device: Device, rng: Rng, roofGBs: number): Promise<BenchRow[]> {
  const [H, KV, D] = [14, 2, 64];
  const rows: BenchRow[] = [];
  for (const [T, S] of [[256, 256], [1, 2048]] as const) {
    const q = Tensor.from(device, rng.normals(T * H * D), [1, T, H, D]);
    const k = Tensor.from(device, rng.normals(S * KV * D), [1, S, KV, D]);
    const v = Tensor.from(device, rng.normals(S * KV * D), [1, S, KV, D]);
    const ms = await gpuMs(device, () => {
      const { out, lse } = attention(q, k, v);
      lse.dispose();
      return out;
    }, 500);
    if (T > 1) {
      rows.push({ kernel: 'attention prefill', shape: `T${T} H${H}/${KV} D${D}`, ms, rate: (2 * T * T * H * D) / ms / 1e6, unit: 'GFLOP/s' });
    } else {
      const rate = (2 * S * KV * D * 4) / ms / 1e6;
      rows.push({ kernel: 'attention decode', shape: `S${S} H${H}/${KV} D${D}`, ms, rate, unit: 'GB/s', ofRoof: rate / roofGBs });
    }
    for (const t of [q, k, v]) t.dispose();
  }
  return rows;
}

/** Forward and backward of causal attention at a small model's training shape (B 8, T 180, H 4, KV 2, D 32): FLOPs of the causal half, the backward's four products without recomputing P. */
async function attentionTrainingRows(device: Device, rng: Rng): Promise<BenchRow[]> {
  const [B, T, H, KV, D] = [8, 180, 4, 2, 32];
  const [q, dOut] = [rng.normals(B * T * H * D), rng.normals(B * T * H * D)].map((x) => Tensor.from(device, x, [B, T, H, D])) as [Tensor, Tensor];
  const [k, v] = [rng.normals(B * T * KV * D), rng.normals(B * T * KV * D)].map((x) => Tensor.from(device, x, [B, T, KV, D])) as [Tensor, Tensor];
  const saved = attention(q, k, v);
  const fwdMs = await gpuMs(device, () => {
    const { out, lse } = attention(q, k, v);
    lse.dispose();
    return out;
  }, 500);
  const bwdMs = await gpuMs(device, () => {
    const { dq, dk, dv } = attentionBackward(dOut, q, k, v, saved);
    dk.dispose();
    dv.dispose();
    return dq;
  }, 500);
  const flops = 4 * B * H * D * ((T * (T + 1)) / 2);
  const shape = `B${B} T${T} H${H}/${KV} D${D}`;
  for (const t of [q, k, v, dOut, saved.out, saved.lse]) t.dispose();
  return [
    { kernel: 'attention training fwd', shape, ms: fwdMs, rate: flops / fwdMs / 1e6, unit: 'GFLOP/s' },
    { kernel: 'attention training bwd', shape, ms: bwdMs, rate: (2 * flops) / bwdMs / 1e6, unit: 'GFLOP/s' },
  ];
}

export async function benchKernels(device: Device, options: KernelBenchOptions = {}): Promise<BenchRow[]> {
  const opts = { maxSquare: options.maxSquare ?? 2048, maxPeerSquare: options.maxPeerSquare ?? 1024 };
  const rng = new Rng(1);
  const roof = await copyBandwidth(device);
  const matvecs = DECODE_ROWS.flatMap((M) => DECODE_SHAPES.map(([K, N]) => [M, K, N]));
  const peer: Peer = await torchPeer<TorchKernels>('kernels', { squares: squareSizes(opts.maxSquare), matvecs });
  if (!peer.ok) console.log(`no PyTorch-CPU peer: ${peer.reason}`);
  const rows = [
    ...(await squareMatmuls(device, rng, opts, peer)),
    ...(await decodeMatvecs(device, rng, roof, peer)),
    ...(await rmsNormRows(device, rng, roof)),
    ...(await attentionRows(device, rng, roof)),
    ...(await attentionTrainingRows(device, rng)),
  ];
  printTable(`wgml kernels on ${device.info.description || device.info.device} (${device.info.backend}); copy bandwidth ${roof.toFixed(2)} GB/s`, rows);
  const ab = await matvecVariantAb(device, rng, roof);
  printVariantAb(device, ab);
  if (peer.ok) console.log(`peer: PyTorch ${peer.result.torch} on the CPU, ${peer.result.threads} threads, f32 (gpu/peer = torch ms / wgml ms)`);
  const peerInfo = peer.ok ? { name: `PyTorch ${peer.result.torch} CPU f32`, threads: peer.result.threads } : { absent: peer.reason };
  const file = await writeResults('kernels', { date: new Date().toISOString(), adapter: device.info, copyBandwidthGBs: roof, rows, matvecVariantAb: ab, peer: peerInfo });
  console.log(`wrote ${file}`);
  return rows;
}
