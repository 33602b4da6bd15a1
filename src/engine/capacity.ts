// How many sequences the engine's KV cache holds and how long each may grow: from the options, the
// model's context and the device's binding limit (each layer's keys are one binding).
import { z } from 'zod';
import type { QwenConfig } from '../io/config.js';

export const EngineOptionsSchema = z.object({
  /** Sequences decoded together at most (the cache's slots). */
  maxBatch: z.number().int().positive().default(32),
  /** KV positions over all slots; default: as many as fit `kvBudgetBytes` and one binding per layer. */
  capacityTokens: z.number().int().positive().optional(),
  /** Device memory the KV cache may take when capacityTokens is not given. */
  kvBudgetBytes: z.number().int().positive().default(1 << 30),
  /** Requests waiting for a slot at most; past it submit throws QueueFullError. */
  maxQueue: z.number().int().positive().default(1024),
  /** Positions a sequence may use at most (vLLM's max_model_len); default and ceiling: the model's context. */
  maxModelLen: z.number().int().positive().optional(),
  /** Positions every slot holds at least (or the whole context, if shorter): fewer slots rather than short ones. */
  minSlotTokens: z.number().int().positive().default(2048),
  /** Prompt tokens prefilled in one step at most (a longer prompt still runs, alone), so decoding rows keep moving. */
  maxPrefillTokens: z.number().int().positive().default(2048),
});
export type EngineOptions = z.input<typeof EngineOptionsSchema>;
export type ResolvedEngineOptions = z.output<typeof EngineOptionsSchema>;

export interface CachePlan {
  slots: number;
  /** Positions per slot: a request's prompt plus max new tokens must fit. */
  slotTokens: number;
}

export function planCache(config: QwenConfig, maxBindingBytes: number, o: ResolvedEngineOptions): CachePlan {
  const rowBytes = config.numKvHeads * config.headDim * 4;
  const perBinding = Math.floor(maxBindingBytes / rowBytes);
  const budget = Math.floor(o.kvBudgetBytes / (2 * config.numLayers * rowBytes));
  const capacity = Math.min(o.capacityTokens ?? budget, perBinding);
  const context = Math.min(config.maxPositionEmbeddings, o.maxModelLen ?? Infinity);
  const least = Math.min(context, o.minSlotTokens, capacity);
  const slots = Math.max(1, Math.min(o.maxBatch, Math.floor(capacity / least)));
  return { slots, slotTokens: Math.max(1, Math.min(context, Math.floor(capacity / slots))) };
}
