// `wgml merge`: PEFT's merge_and_unload then save_pretrained. A LoRA adapter (and any new tokens'
// rows it trains) is folded into its unquantized base and written as a plain HuggingFace
// directory, for tools that take no adapter; --out must be new, and is written atomically.
import { z } from 'zod';
import type { Device } from '../../gpu/device.js';
import { loadModel } from '../../model/model.js';
import { assertFreshTarget } from '../../model/model-dir.js';

export const MergeFlags = z.object({
  model: z.string({ message: 'is required' }),
  adapter: z.array(z.string(), { message: 'is required' }).length(1, { message: 'takes one adapter directory' }),
  out: z.string({ message: 'is required' }),
  dtype: z.enum(['bf16', 'f32']).default('bf16'),
});

export async function runMerge(device: Device, flags: z.output<typeof MergeFlags>): Promise<void> {
  await assertFreshTarget(flags.out);
  const adapter = flags.adapter[0]!;
  // f32 merges in f32 (the base upcast); bf16 rounds the merged weights as PEFT does on a bf16 model.
  const model = await loadModel(flags.model, { device, adapter, ...(flags.dtype === 'f32' ? { dtype: 'f32' as const } : {}) });
  try {
    await model.mergeAdapter();
    await model.save(flags.out, flags.dtype === 'f32' ? 'F32' : 'BF16');
  } finally {
    model.dispose();
  }
  console.log(`wrote ${flags.out}: ${flags.model} with ${adapter} merged (${flags.dtype})`);
}
