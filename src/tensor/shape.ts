// Shape legend, used on every op and kernel:
//   B batch · T tokens · S key/value positions · C hidden · V vocab · H heads · KV kv-heads
//   D head_dim · I intermediate · R lora rank · M,N,K the matmul dims (A: M×K, B: K×N)
import { ShapeMismatchError } from '../errors.js';
import { shapeString, type Tensor } from './tensor.js';
import type { DType } from './dtype.js';

export function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeMismatchError(`${op}: shapes ${shapeString(a.shape)} and ${shapeString(b.shape)} differ`);
  }
}

export function assertDType(op: string, name: string, t: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) {
    throw new ShapeMismatchError(`${op}: ${name} ${shapeString(t.shape)} has dtype ${t.dtype}; expected ${allowed.join(' or ')}`);
  }
}

export function assertRank(op: string, name: string, t: Tensor, ranks: readonly number[]): void {
  if (!ranks.includes(t.shape.length)) {
    throw new ShapeMismatchError(`${op}: ${name} ${shapeString(t.shape)} must have rank ${ranks.join(' or ')}`);
  }
}
