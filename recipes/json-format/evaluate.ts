// Evaluating a model on JSON-only tasks: greedy chat completions (the kit's batched generation),
// each graded for format (metrics.ts) and for its values (the task's strictness).
import type { Model } from '../../src/model/model.js';
import { gradeJsonReply, type JsonTask } from '../data/json-format.js';
import { generateAll } from '../kit/generate.js';
import type { ProgressSink } from '../kit/progress.js';
import { formatMetrics, gradeFormat, type Failure, type FormatMetrics } from './metrics.js';

export interface JsonPrediction {
  model: string;
  index: number;
  prompt: string;
  expected: string;
  output: string;
  ok: boolean;
  objects: number;
  failures: Failure[];
  correct: boolean;
  negative: string | null;
}

function chatPrompt(model: Model, task: Pick<JsonTask, 'prompt'>): string {
  return model.chatPrompt([{ role: 'user', content: task.prompt }], { enableThinking: false });
}

export async function evaluateJson(model: Model, tag: string, tasks: readonly JsonTask[], o: { batchSize: number; maxNewTokens: number }, sink: ProgressSink): Promise<{ metrics: FormatMetrics; preds: JsonPrediction[] }> {
  const outputs = await generateAll(model, `[${tag}] json`, tasks.map((t) => chatPrompt(model, t)), o, sink);
  const preds = tasks.map((t, i): JsonPrediction => {
    const grade = gradeFormat(outputs[i]!, t.schema);
    return { model: tag, index: i, prompt: t.prompt, expected: t.completion, output: outputs[i]!, ...grade, correct: gradeJsonReply(outputs[i]!, t), negative: t.negative };
  });
  return { metrics: formatMetrics(preds), preds };
}
