// The model's LoRA adapter as PEFT's two files, in memory (the page offers them as downloads;
// `wgml generate --adapter DIR` loads them in Node): the bytes Model.saveAdapter writes.
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, encodePeftAdapter } from '../io/peft.js';
import type { Model } from '../model/model.js';

export async function adapterFiles(model: Model): Promise<Record<typeof ADAPTER_CONFIG | typeof ADAPTER_WEIGHTS, Uint8Array>> {
  if (!model.adapter) throw new Error('adapterFiles: the model carries no LoRA adapter');
  const { config, tensors } = await model.adapter.peft(model.dir);
  const files = encodePeftAdapter(config, tensors);
  const chunks = files[ADAPTER_WEIGHTS];
  const weights = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    weights.set(chunk, at);
    at += chunk.byteLength;
  }
  return { [ADAPTER_CONFIG]: new TextEncoder().encode(files[ADAPTER_CONFIG]), [ADAPTER_WEIGHTS]: weights };
}
