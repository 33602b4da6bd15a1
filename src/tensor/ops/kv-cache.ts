// writeKv: new keys or values into a preallocated KV cache in place, so decode never re-uploads the cache.
import { ShapeMismatchError } from '../../errors.js';
import { grid } from '../../gpu/recorder.js';
import { assertDType, assertRank } from '../shape.js';
import { shapeString, type Tensor } from '../tensor.js';

function checkOffsets(op: string, offsets: number | Tensor, B: number, T: number, S: number, what: string): void {
  if (typeof offsets === 'number') {
    if (!Number.isInteger(offsets) || offsets < 0 || offsets + T > S) {
      throw new ShapeMismatchError(`${op}: offset ${offsets} + T ${T} does not fit S=${S} in ${what}`);
    }
    return;
  }
  assertDType(op, 'offsets', offsets, ['i32']);
  const slotted = offsets.shape.length === 2 && offsets.shape[0] === 2 && offsets.shape[1] === B;
  if (!slotted && (offsets.shape.length !== 1 || offsets.shape[0] !== B)) {
    throw new ShapeMismatchError(`${op}: offsets ${shapeString(offsets.shape)} must be (B) = (${B}), or (2,B) with cache slots, for ${what}`);
  }
}

/** A (2,B) offsets tensor: row 0 the offsets, row 1 the cache slot of each sequence. */
function hasSlots(offsets: number | Tensor): boolean {
  return typeof offsets !== 'number' && offsets.shape.length === 2;
}

/**
 * x: (B,T,KV,D) f32, offsets: number, (B) i32, or (2,B) i32 (offsets, then slots) → cache: (B,S,KV,D) f32, or
 * (slots,S,KV,D) with slots, rows offset_b..offset_b+T−1 of each sequence (of its slot) overwritten. A number
 * offset must fit the cache; with a tensor, rows landing outside it are dropped. Slots are the caller's to keep
 * in range (a slot cache checks them on the CPU).
 */
export function writeKv(cache: Tensor, x: Tensor, offsets: number | Tensor): void {
  const { S, perSequence, slots } = checkCacheWrite('writeKv', cache, x, offsets);
  if (x.size === 0) return;
  const [B, T, KV, D] = x.shape as [number, number, number, number];
  const kernel = x.device.kernels.get('kv_write', { HAS_OFFSETS: perSequence, HAS_SLOTS: slots });
  const params = [x.size, T, S, KV * D, typeof offsets === 'number' ? offsets : 0, B];
  const buffers = [x.buffer, typeof offsets === 'number' ? x.buffer : offsets.buffer, cache.buffer];
  x.device.recorder.dispatch(kernel, params, buffers, grid(Math.ceil(x.size / 256)));
}

/** What a write of x (B,T,KV,D) f32 into `cache` at `offsets` needs, checked as writeKv documents it; `op` names the caller. */
export function checkCacheWrite(op: string, cache: Tensor, x: Tensor, offsets: number | Tensor): { S: number; perSequence: boolean; slots: boolean } {
  assertRank(op, 'cache', cache, [4]);
  assertRank(op, 'x', x, [4]);
  assertDType(op, 'cache', cache, ['f32']);
  assertDType(op, 'x', x, ['f32']);
  const [B, T, KV, D] = x.shape as [number, number, number, number];
  const [cB, S, cKV, cD] = cache.shape as [number, number, number, number];
  const what = `cache ${shapeString(cache.shape)} and x ${shapeString(x.shape)}`;
  const slots = hasSlots(offsets);
  if ((!slots && cB !== B) || cKV !== KV || cD !== D) throw new ShapeMismatchError(`${op}: B, KV and D must agree in ${what}`);
  checkOffsets(op, offsets, B, T, S, what);
  return { S, perSequence: typeof offsets !== 'number', slots };
}
