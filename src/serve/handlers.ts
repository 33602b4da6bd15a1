// POST /v1/chat/completions and /v1/completions: body → prompts → engine choices → answer.
import type { ServerResponse } from 'node:http';
import type { Engine } from '../engine/engine.js';
import { AdapterInUseError } from '../engine/adapters.js';
import type { Model } from '../model/model.js';
import { submitChoices, type Job } from './choices.js';
import { chatFormat, completionFormat } from './formats.js';
import { badRequest, bodyError, HttpError, toHttpError } from './http-error.js';
import { ChatBodySchema, CompletionBodySchema, messageText, type ChatBody, type CompletionBody } from './protocol.js';
import { answer, sendJson, type ChoiceFormat } from './respond.js';
import { z } from 'zod';

export interface ServedModel {
  model: Model;
  engine: Engine;
  /** The name /v1/models lists for the base. */
  name: string;
}

/** The adapter a body's `model` names (undefined: the base), or 404. */
export function adapterFor(served: ServedModel, model: string): string | undefined {
  if (model === served.name) return undefined;
  if (served.engine.adapters.names.includes(model)) return model;
  throw new HttpError(404, `The model \`${model}\` does not exist (served: ${[served.name, ...served.engine.adapters.names].join(', ')})`, 'invalid_request_error', 'model', 'model_not_found');
}

/** The ids of a chat body's messages rendered by the model's chat template, generation prompt included; a template that fails is a 400 naming messages. */
export function chatPrompt(served: ServedModel, body: Pick<ChatBody, 'messages' | 'chat_template_kwargs'>): number[] {
  const messages = body.messages.map((m) => ({ role: m.role === 'developer' ? ('system' as const) : m.role, content: messageText(m.content), ...(m.reasoning_content ? { reasoning_content: m.reasoning_content } : {}) }));
  const thinking = body.chat_template_kwargs?.enable_thinking;
  let text: string;
  try {
    text = served.model.chatPrompt(messages, thinking === undefined ? {} : { enableThinking: thinking });
  } catch (error) {
    throw badRequest(`messages: ${(error as Error).message}`, 'messages');
  }
  return served.model.tokenizer.encode(text, { addSpecialTokens: false });
}

function completionPrompts(served: ServedModel, body: CompletionBody): number[][] {
  const p = body.prompt;
  if (typeof p === 'string') return [served.model.tokenizer.encode(p)];
  if (typeof p[0] === 'number') return [p as number[]];
  return (p as string[]).map((t) => served.model.tokenizer.encode(t));
}

/** The body's response_format, or vLLM's guided_json as the json_schema one; not both. */
function responseFormat(body: ChatBody | CompletionBody): Record<string, unknown> | undefined {
  const format = body.response_format;
  const guided = body.guided_json;
  if (guided == null) return format && format.type !== 'text' ? format : undefined;
  if (format && format.type !== 'text') throw badRequest('give response_format or guided_json, not both', 'guided_json');
  let schema: unknown = guided;
  if (typeof guided === 'string') {
    try {
      schema = JSON.parse(guided);
    } catch (error) {
      throw badRequest(`guided_json: not valid JSON (${(error as Error).message})`, 'guided_json');
    }
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw badRequest('guided_json: expected a JSON schema object', 'guided_json');
  return { type: 'json_schema', json_schema: { name: 'guided_json', schema } };
}

function job(body: ChatBody | CompletionBody, prompts: number[][], adapter: string | undefined, logprobs: number | undefined, maxTokens: number | null | undefined, signal: AbortSignal): Job {
  if (prompts.some((p) => p.length === 0)) throw badRequest('the prompt is empty', 'prompt');
  return { prompts, n: body.n ?? 1, adapter, body, maxTokens, logprobs, responseFormat: responseFormat(body), signal };
}

async function run(served: ServedModel, res: ServerResponse, body: ChatBody | CompletionBody, j: Job, format: ChoiceFormat): Promise<void> {
  let submitted;
  try {
    submitted = submitChoices(served.engine, served.model.tokenizer, j);
  } catch (error) {
    throw toHttpError(error, format.promptParam);
  }
  await answer({ res, ...submitted, n: j.n, model: body.model, stream: body.stream ?? false, includeUsage: body.stream_options?.include_usage ?? false }, format);
}

export async function chatCompletions(served: ServedModel, raw: unknown, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const parsed = ChatBodySchema.safeParse(raw);
  if (!parsed.success) throw bodyError(parsed.error);
  const body = parsed.data;
  const adapter = adapterFor(served, body.model);
  const logprobs = body.logprobs ? (body.top_logprobs ?? 0) : undefined;
  await run(served, res, body, job(body, [chatPrompt(served, body)], adapter, logprobs, body.max_completion_tokens ?? body.max_tokens, signal), chatFormat(logprobs !== undefined));
}

const LoadAdapterSchema = z.object({ lora_name: z.string().min(1), lora_path: z.string().min(1) });
const UnloadAdapterSchema = z.object({ lora_name: z.string().min(1) });

/** POST /v1/load_lora_adapter, as vLLM names it: {lora_name, lora_path}. */
export async function loadAdapter(served: ServedModel, raw: unknown, res: ServerResponse): Promise<void> {
  const parsed = LoadAdapterSchema.safeParse(raw);
  if (!parsed.success) throw bodyError(parsed.error);
  const { lora_name: name, lora_path: dir } = parsed.data;
  if (name === served.name || served.engine.adapters.names.includes(name)) throw badRequest(`the name "${name}" is already served`, 'lora_name');
  try {
    await served.engine.loadAdapter(name, dir);
  } catch (error) {
    throw badRequest(`lora_path: ${(error as Error).message}`, 'lora_path');
  }
  sendJson(res, 200, { object: 'lora_adapter', id: name, loaded: true });
}

/** POST /v1/unload_lora_adapter: {lora_name}; refused while requests use it. */
export async function unloadAdapter(served: ServedModel, raw: unknown, res: ServerResponse): Promise<void> {
  const parsed = UnloadAdapterSchema.safeParse(raw);
  if (!parsed.success) throw bodyError(parsed.error);
  const name = parsed.data.lora_name;
  adapterFor(served, name);
  try {
    served.engine.unloadAdapter(name);
  } catch (error) {
    if (error instanceof AdapterInUseError) throw new HttpError(409, error.message, 'invalid_request_error', 'lora_name', 'adapter_in_use');
    throw error;
  }
  sendJson(res, 200, { object: 'lora_adapter', id: name, loaded: false });
}

export async function completions(served: ServedModel, raw: unknown, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const parsed = CompletionBodySchema.safeParse(raw);
  if (!parsed.success) throw bodyError(parsed.error);
  const body = parsed.data;
  const adapter = adapterFor(served, body.model);
  const logprobs = body.logprobs ?? undefined;
  // OpenAI's (and vLLM's) legacy default is 16 tokens.
  await run(served, res, body, job(body, completionPrompts(served, body), adapter, logprobs, body.max_tokens ?? 16, signal), completionFormat(logprobs !== undefined));
}
