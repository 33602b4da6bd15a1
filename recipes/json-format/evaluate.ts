// Evaluating a model on JSON-only tasks: greedy chat completions (the kit's batched generation),
// free or constrained to each task's schema, each graded for format (metrics.ts) and for its values
// (the task's strictness).
import type { BatchPrompt, Model } from '../../src/model/model.js';
import { gradeJsonReply, type FieldType, type JsonTask } from '../data/json-format.js';
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

export interface JsonEvalOptions {
  batchSize: number;
  maxNewTokens: number;
  /** Decode each task under a json_schema of its keys and value types. */
  constrained?: boolean;
}

/** The json_schema response format a task's reply must meet: exactly its keys, each of its type. */
export function taskResponseFormat(schema: Record<string, FieldType>): Record<string, unknown> {
  const properties = Object.fromEntries(Object.entries(schema).map(([key, type]) => [key, { type }]));
  return { type: 'json_schema', json_schema: { name: 'reply', schema: { type: 'object', properties, required: Object.keys(schema), additionalProperties: false } } };
}

function chatPrompt(model: Model, task: Pick<JsonTask, 'prompt' | 'schema'>, constrained: boolean): BatchPrompt {
  const prompt = model.chatPrompt([{ role: 'user', content: task.prompt }], { enableThinking: false });
  return constrained ? { prompt, responseFormat: taskResponseFormat(task.schema) } : { prompt };
}

export async function evaluateJson(model: Model, tag: string, tasks: readonly JsonTask[], o: JsonEvalOptions, sink: ProgressSink): Promise<{ metrics: FormatMetrics; preds: JsonPrediction[] }> {
  const outputs = await generateAll(model, `[${tag}] json`, tasks.map((t) => chatPrompt(model, t, o.constrained ?? false)), o, sink);
  const preds = tasks.map((t, i): JsonPrediction => {
    const grade = gradeFormat(outputs[i]!, t.schema);
    return { model: tag, index: i, prompt: t.prompt, expected: t.completion, output: outputs[i]!, ...grade, correct: gradeJsonReply(outputs[i]!, t), negative: t.negative };
  });
  return { metrics: formatMetrics(preds), preds };
}
