// loraRows: y += each row's own LoRA update, adapters stacked (S-LoRA/Punica), in one shrink and one expand.
import { ShapeMismatchError } from '../../errors.js';
import { grid } from '../../gpu/recorder.js';
import { assertDType, assertRank } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';

export interface StackedAdapters {
  /** (nA,R,in) f32 */
  A: Tensor;
  /** (nA,out,R) f32 */
  B: Tensor;
  /** (nA) f32, alpha/r (or alpha/√r) of each adapter */
  scales: Tensor;
}

function dims(y: Tensor, x: Tensor, rows: Tensor, s: StackedAdapters): { N: number; inF: number; outF: number; R: number } {
  for (const [name, t, rank] of [['y', y, 2], ['x', x, 2], ['A', s.A, 3], ['B', s.B, 3]] as const) {
    assertRank('loraRows', name, t, [rank]);
    assertDType('loraRows', name, t, ['f32']);
  }
  assertDType('loraRows', 'rows', rows, ['i32']);
  const [N, inF] = x.shape as [number, number];
  const [nA, R, aIn] = s.A.shape as [number, number, number];
  const [bA, outF, bR] = s.B.shape as [number, number, number];
  const what = `x ${shapeString(x.shape)}, y ${shapeString(y.shape)}, A ${shapeString(s.A.shape)}, B ${shapeString(s.B.shape)}, rows ${shapeString(rows.shape)}`;
  if (aIn !== inF || bA !== nA || bR !== R || y.shape[0] !== N || y.shape[1] !== outF || rows.size !== N || s.scales.size !== nA) {
    throw new ShapeMismatchError(`loraRows: shapes disagree in ${what}`);
  }
  return { N, inF, outF, R };
}

/**
 * y: (N,out) f32 in place += scale_a·(x_n·A_aᵀ)·B_aᵀ for each row n with a = rows[n] ≥ 0 (−1: no adapter).
 * x: (N,in) f32, rows: (N) i32, adapters stacked as in StackedAdapters. The caller keeps rows in range.
 */
export function loraRows(y: Tensor, x: Tensor, rows: Tensor, s: StackedAdapters): void {
  const d = dims(y, x, rows, s);
  if (d.N === 0) return;
  const device = x.device;
  const params = [d.N, d.inF, d.outF, d.R];
  const hidden = Tensor.empty(device, [d.N, d.R]);
  device.recorder.dispatch(device.kernels.get('lora_rows', {}, 'shrink'), params, [x.buffer, s.A.buffer, rows.buffer, hidden.buffer], grid(Math.ceil((d.N * d.R) / 256)));
  device.recorder.dispatch(device.kernels.get('lora_rows', {}, 'expand'), params, [hidden.buffer, s.B.buffer, rows.buffer, s.scales.buffer, y.buffer], grid(Math.ceil((d.N * d.outF) / 256)));
  hidden.dispose();
}
