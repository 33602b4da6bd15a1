// Test helpers: one device per test file, fresh random inputs with the seed in every message.
import { afterAll } from 'vitest';
import { createDevice, type Device, type DeviceOptions } from '../../src/gpu/device.js';
import { Rng } from '../../src/cpu/random.js';

/** A device for this test file, destroyed after it. No adapter is an error, never a skip. */
export async function testDevice(options: DeviceOptions = {}): Promise<Device> {
  const device = await createDevice(options);
  afterAll(() => device.destroy());
  return device;
}

/** A fresh seed per call, reported so a failure can be replayed. */
export function freshRng(): { rng: Rng; seed: number } {
  const seed = (Math.random() * 2 ** 31) >>> 0;
  return { rng: new Rng(seed), seed };
}

/** ‖x − ref‖ / ‖ref‖ */
export function relError(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (x.length !== ref.length) throw new Error(`length ${x.length} vs reference ${ref.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (x[i]! - ref[i]!) ** 2;
    den += ref[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}
