// What the trainers need of a loaded model: its network, device, pad id and directory (the Model of
// src/model/ is one; naming the shape here keeps train/ below model/).
import type { Device } from '../gpu/device.js';
import type { QwenModel } from '../nn/qwen.js';

export interface TrainableModel {
  readonly dir: string;
  readonly net: QwenModel;
  readonly device: Device;
  readonly tokenizer: { readonly padTokenId: number | null };
}
