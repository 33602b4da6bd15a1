// OpenAI's request bodies for /v1/chat/completions and /v1/completions as zod schemas (the fields wgml
// honours; others are ignored, as vLLM does), with OpenAI's defaults. vLLM's extras: top_k, min_p,
// repetition_penalty, ignore_eos, stop_token_ids, chat_template_kwargs, guided_json (a JSON schema,
// as an object or its text: the json_schema response_format).
import { z } from 'zod';

const stop = z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish();

const Sampling = {
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  top_k: z.number().int().min(-1).nullish(),
  min_p: z.number().min(0).lt(1).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  n: z.number().int().min(1).max(32).nullish(),
  stop,
  seed: z.number().int().min(0).max(0xffffffff).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  repetition_penalty: z.number().positive().nullish(),
  ignore_eos: z.boolean().nullish(),
  stop_token_ids: z.array(z.number().int().min(0)).max(64).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  response_format: z.object({ type: z.enum(['text', 'json_object', 'json_schema']) }).passthrough().nullish(),
  guided_json: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
  user: z.string().nullish(),
};

const Part = z.object({ type: z.literal('text'), text: z.string() });

/** vLLM's chat_template_kwargs: enable_thinking is honoured (Qwen3's switch), the rest passed over. */
export const ChatTemplateKwargs = z.object({ enable_thinking: z.boolean().optional() }).passthrough().nullish();

export const Message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(Part)]).nullish(),
  reasoning_content: z.string().nullish(),
});

export const ChatBodySchema = z.object({
  ...Sampling,
  messages: z.array(Message).min(1, 'needs at least one message'),
  max_completion_tokens: z.number().int().positive().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  chat_template_kwargs: ChatTemplateKwargs,
});
export type ChatBody = z.output<typeof ChatBodySchema>;

export const CompletionBodySchema = z.object({
  ...Sampling,
  prompt: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number().int().min(0)).min(1)]),
  logprobs: z.number().int().min(0).max(5).nullish(),
  echo: z.literal(false).nullish(),
});
export type CompletionBody = z.output<typeof CompletionBodySchema>;

export type SamplingBody = Pick<ChatBody, 'temperature' | 'top_p' | 'top_k' | 'min_p' | 'seed' | 'presence_penalty' | 'frequency_penalty' | 'repetition_penalty' | 'stop' | 'ignore_eos' | 'stop_token_ids'>;

/** A chat message's text: a string, or its text parts joined. */
export function messageText(content: z.output<typeof Message>['content']): string {
  if (content == null) return '';
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}
