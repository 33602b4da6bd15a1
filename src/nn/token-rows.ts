// Trainable rows of embed_tokens (and an untied lm_head) for newly added tokens, as PEFT's
// trainable_token_indices: the chosen rows live in their own f32 tensors, are trained there, and are
// copied into the (f32) tables before each use; every other row stays frozen.
import { embedding, embeddingBackward } from '../tensor/ops/embedding.js';
import { matmulBackward } from '../tensor/ops/matmul.js';
import { Tensor } from '../tensor/tensor.js';
import type { GradSink } from './grads.js';
import type { QwenModel } from './qwen.js';

export const EMBED_ROWS_NAME = 'base_model.model.model.embed_tokens.token_adapter.trainable_tokens_delta';
export const HEAD_ROWS_NAME = 'base_model.model.lm_head.token_adapter.trainable_tokens_delta';

export class TokenRows {
  private constructor(
    readonly net: QwenModel,
    readonly ids: readonly number[],
    /** (R,C) f32, row j = embed_tokens[ids[j]] */
    readonly embed: Tensor,
    /** (R,C) f32 for an untied lm_head. */
    readonly head?: Tensor,
  ) {}

  /** Upcasts the tables to f32 when needed and starts the rows from their current values. */
  static attach(net: QwenModel, ids: readonly number[]): TokenRows {
    if (new Set(ids).size !== ids.length || ids.some((i) => !Number.isInteger(i) || i < 0 || i >= net.config.vocabSize)) {
      throw new RangeError(`trainable token rows: [${ids.join(', ')}] must be distinct ids in [0, ${net.config.vocabSize})`);
    }
    net.upcastTables();
    const gather = (table: Tensor) => embedding(table, ids);
    const tied = net.lmHead.weight === net.embedTokens;
    return new TokenRows(net, [...ids], gather(net.embedTokens), tied ? undefined : gather(net.lmHead.weight));
  }

  get parameters(): [string, Tensor][] {
    return this.head ? [[EMBED_ROWS_NAME, this.embed], [HEAD_ROWS_NAME, this.head]] : [[EMBED_ROWS_NAME, this.embed]];
  }

  /** Copies the trained rows into the tables; recorded, so it precedes whatever is recorded next. */
  sync(): void {
    this.copyRows(this.embed, this.net.embedTokens);
    if (this.head) this.copyRows(this.head, this.net.lmHead.weight);
  }

  /** The rows' share of dTable for `y = table[ids]`. dOut: (N,C) f32. */
  backwardEmbed(dOut: Tensor, inputIds: readonly number[], sink: GradSink): void {
    sink.add(EMBED_ROWS_NAME, embeddingBackward(dOut, inputIds, this.net.config.vocabSize, { rows: this.ids }));
  }

  /** The rows' share of dW for `logits = h·Wᵀ`: the full dW, then its rows (the head's memory once more). */
  backwardHead(dLogits: Tensor, h: Tensor, sink: GradSink): void {
    const { dB } = matmulBackward(dLogits, h, this.net.lmHead.weight, { transB: true, inputGrad: false, weightGrad: true });
    sink.add(this.head ? HEAD_ROWS_NAME : EMBED_ROWS_NAME, embedding(dB!, this.ids));
    dB!.dispose();
  }

  dispose(): void {
    this.embed.dispose();
    this.head?.dispose();
  }

  private copyRows(rows: Tensor, table: Tensor): void {
    const C = table.cols;
    const chunks = table.chunks;
    this.ids.forEach((id, j) => {
      const chunk = chunks.find((c) => id >= c.rowStart && id < c.rowStart + c.rows)!;
      this.net.device.recorder.copy(rows.buffer, j * C * 4, chunk.buffer, (id - chunk.rowStart) * C * 4, C * 4);
    });
  }
}
