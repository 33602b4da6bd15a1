// POST /tokenize and /detokenize, as vLLM serves them: a prompt (or chat messages, rendered by the
// model's chat template with the generation prompt) to token ids with the context a request may
// use, and ids back to text. `model`, when given, must be one the server serves.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { adapterFor, chatPrompt, type ServedModel } from './handlers.js';
import { badRequest, bodyError } from './http-error.js';
import { ChatTemplateKwargs, Message } from './protocol.js';
import { sendJson } from './respond.js';

const model = z.string().min(1).nullish();
const returnTokenStrs = z.boolean().nullish();

const PromptBodySchema = z.object({ model, prompt: z.string(), add_special_tokens: z.boolean().nullish(), return_token_strs: returnTokenStrs });
const ChatBodySchema = z.object({ model, messages: z.array(Message).min(1, 'needs at least one message'), chat_template_kwargs: ChatTemplateKwargs, return_token_strs: returnTokenStrs });

const DetokenizeBodySchema = z.object({ model, tokens: z.array(z.number().int().min(0)) });

function checkModel(served: ServedModel, name: string | null | undefined): void {
  if (name) adapterFor(served, name);
}

export async function tokenize(served: ServedModel, raw: unknown, res: ServerResponse): Promise<void> {
  // A body with messages is a chat; any other needs a prompt (and its error names prompt).
  const chat = typeof raw === 'object' && raw !== null && 'messages' in raw;
  const parsed = (chat ? ChatBodySchema : PromptBodySchema).safeParse(raw);
  if (!parsed.success) throw bodyError(parsed.error);
  const body = parsed.data;
  checkModel(served, body.model);
  const tokenizer = served.model.tokenizer;
  const tokens = 'prompt' in body ? tokenizer.encode(body.prompt, { addSpecialTokens: body.add_special_tokens ?? true }) : chatPrompt(served, body);
  const strs = body.return_token_strs ? { token_strs: tokens.map((t) => tokenizer.idToToken(t) ?? '') } : {};
  sendJson(res, 200, { count: tokens.length, max_model_len: served.engine.plan.slotTokens, tokens, ...strs });
}

export async function detokenize(served: ServedModel, raw: unknown, res: ServerResponse): Promise<void> {
  const parsed = DetokenizeBodySchema.safeParse(raw);
  if (!parsed.success) throw bodyError(parsed.error);
  checkModel(served, parsed.data.model);
  const vocab = served.model.config.vocabSize;
  const outside = parsed.data.tokens.findIndex((t) => t >= vocab);
  if (outside >= 0) throw badRequest(`tokens[${outside}]: ${parsed.data.tokens[outside]} is outside the vocabulary of ${vocab}`, 'tokens');
  sendJson(res, 200, { prompt: served.model.tokenizer.decode(parsed.data.tokens) });
}
