// Test helpers: one device per test file, fresh random inputs with the seed in every message.
import { afterAll } from 'vitest';
import { type Device, type DeviceOptions } from '../../src/gpu/device.js';
import { createDevice } from '../../src/platform/node.js';
import type { Rng } from '../../src/cpu/random.js';
import { seededRng } from './seed.js';
import { SWIFTSHADER_ICD } from './swiftshader.js';

/** A device for this test file, destroyed after it. No adapter is an error, never a skip. */
export async function testDevice(options: DeviceOptions = {}): Promise<Device> {
  const device = await createDevice(options);
  afterAll(() => device.destroy());
  return device;
}

/** The tests/vulkan project's device: Dawn's Vulkan backend on SwiftShader, which vitest.config.ts points the loader at. */
export async function swiftShaderDevice(options: Omit<DeviceOptions, 'backend'> = {}): Promise<Device> {
  if (!process.env.VK_ICD_FILENAMES?.endsWith(SWIFTSHADER_ICD)) {
    throw new Error(`SwiftShader's Vulkan driver (${SWIFTSHADER_ICD}) was not found: install Debian's chromium, or set WGML_SWIFTSHADER_DIR to the folder holding it`);
  }
  return testDevice({ ...options, backend: 'vulkan' });
}

/** A fresh random stream per call, derived from the run seed (WGML_TEST_SEED; see seed.ts) so a failure replays. */
export function freshRng(): { rng: Rng; seed: number } {
  return seededRng();
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
