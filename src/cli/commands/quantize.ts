// `wgml quantize`: writes a 4-bit copy of a model directory (bitsandbytes' layout for nf4).
import type { z } from 'zod';
import { quantizeCheckpoint } from '../../model/quantize-checkpoint.js';
import type { QuantizeFlags } from '../args.js';

export async function runQuantize(flags: z.output<typeof QuantizeFlags>): Promise<void> {
  const spec = { format: flags.format, blockSize: flags['block-size'], doubleQuant: flags['double-quant'] };
  if (spec.doubleQuant && spec.format !== 'nf4') throw new Error('--double-quant applies to --format nf4 only');
  let last = 0;
  await quantizeCheckpoint(flags.model, flags.out, spec, {
    onProgress: (done, total) => {
      const pct = Math.floor((100 * done) / total);
      if (pct >= last + 10 || done === total) process.stderr.write(`quantize: ${done}/${total} tensors\n`);
      if (pct >= last + 10) last = pct;
    },
  });
  console.log(`wrote ${flags.out} (${flags.format}${spec.doubleQuant ? ', double-quantized absmax' : ''})`);
}
