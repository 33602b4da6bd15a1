// Interleaved A/B of the matmul variants on the LoRA step's skinny products (1024 tokens, r = 16, the
// bench model's 512/1536 projections): for each shape the tiled and the register kernel alternate in
// one process (bench/ab.ts's interleaved, rotated order, median of the rounds) — the only comparison
// that means anything on a machine other work is loading.
// Run: node dist/bench/profile-matmul-ab.js [rounds]
import type { Device } from '../src/gpu/device.js';
import { createDevice } from '../src/platform/node.js';
import { gemm, type GemmSpec } from '../src/tensor/gemm.js';
import { Tensor } from '../src/tensor/tensor.js';
import { interleaved } from './ab.js';

const TOKENS = 1024;
const R = 16;

interface Shape {
  name: string;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
}

function loraShapes(inF: number, outF: number): Shape[] {
  const io = `${inF}→${outF}`;
  return [
    { name: `shrink x·Aᵀ ${io}`, M: TOKENS, N: R, K: inF, transB: true },
    { name: `expand h·Bᵀ ${io}`, M: TOKENS, N: outF, K: R, transB: true },
    { name: `dh = dy·B ${io}`, M: TOKENS, N: R, K: outF },
    { name: `dB = dyᵀ·h ${io}`, M: outF, N: R, K: TOKENS, transA: true },
    { name: `dA = dhᵀ·x ${io}`, M: R, N: inF, K: TOKENS, transA: true },
    { name: `dx += dh·A ${io}`, M: TOKENS, N: inF, K: R },
  ];
}

function specOf(device: Device, s: Shape): GemmSpec {
  const a = Tensor.empty(device, s.transA ? [s.K, s.M] : [s.M, s.K]);
  const b = Tensor.empty(device, s.transB ? [s.N, s.K] : [s.K, s.N]);
  const c = Tensor.empty(device, [s.M, s.N]);
  return { a, b, c, M: s.M, N: s.N, K: s.K, transA: s.transA, transB: s.transB };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 15);
  const device = await createDevice();
  const rows = [];
  let [oldSum, newSum] = [0, 0];
  for (const shape of [...loraShapes(512, 512), ...loraShapes(512, 1536), ...loraShapes(1536, 512)]) {
    const spec = specOf(device, shape);
    const { ms } = await interleaved(device, { tiled: () => gemm({ ...spec, variant: 'tiled' }), registers: () => gemm({ ...spec, variant: 'registers' }) }, rounds);
    const [mt, mg] = [ms.tiled!, ms.registers!];
    [oldSum, newSum] = [oldSum + mt, newSum + mg];
    const gf = (ms: number) => +((2 * shape.M * shape.N * shape.K) / ms / 1e6).toFixed(2);
    rows.push({ product: shape.name, 'M×N×K': `${shape.M}×${shape.N}×${shape.K}`, 'tiled ms': +mt.toFixed(3), 'registers ms': +mg.toFixed(3), 'tiled GFLOP/s': gf(mt), 'registers GFLOP/s': gf(mg), speedup: +(mt / mg).toFixed(2) });
    for (const x of [spec.a, spec.b, spec.c]) x.dispose();
  }
  console.log(`matmul tiled vs registers, interleaved, median of ${rounds} rounds, on ${device.info.device} (under whatever load the machine has)`);
  console.table(rows);
  console.log(`sum over the shapes: tiled ${oldSum.toFixed(2)} ms, registers ${newSum.toFixed(2)} ms, ${(oldSum / newSum).toFixed(2)}×`);
  device.destroy();
}

await main();
