// A safety judge labels (prompt, response) pairs safe or unsafe under a Safety Guidelines text, with
// a score: a safeguard classifier run on wgml, or an OpenAI-compatible judge endpoint.
import type { Device } from '../gpu/device.js';
import { OpenAiJudge } from './openai-judge.js';
import { loadSafeguard, type ModerationItem, type SafetyVerdict } from './safeguard.js';

export interface SafetyJudge {
  readonly name: string;
  judge(items: readonly ModerationItem[], guidelines: string, onProgress?: (done: number, total: number) => void): Promise<SafetyVerdict[]>;
  dispose(): void;
}

export type JudgeSpec = { type: 'classifier'; model: string; batch_size: number } | { type: 'openai'; base_url: string; model: string; api_key_env: string; concurrency: number };

/** The judge a config names; a classifier directory is loaded onto `device`. */
export async function openJudge(spec: JudgeSpec, device: Device): Promise<SafetyJudge> {
  if (spec.type === 'openai') return new OpenAiJudge(spec.base_url, spec.model, process.env[spec.api_key_env] ?? 'none', spec.concurrency);
  const guard = await loadSafeguard(spec.model, { device });
  return {
    name: `classifier ${spec.model}`,
    judge: (items, guidelines, onProgress) => guard.classify(items, guidelines, { batchSize: spec.batch_size, onProgress }),
    dispose: () => guard.dispose(),
  };
}
