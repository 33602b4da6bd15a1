// A deterministic teacher behind a local OpenAI-compatible endpoint, for offline runs: the shipped
// tiny model cannot follow the system prompt, so this one answers the way a good teacher would
// (EDIT with the fixed program when the prompt holds an error message, AGENT with a plan when
// not). The recipe still talks to it through the `openai` client, as it would to a real teacher.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Problem } from './problems.js';

export interface LocalEndpoint {
  url: string;
  close(): Promise<void>;
}

function agentReply(p: Problem | undefined, tokens: readonly string[]): string {
  const test = p?.test ? `run \`${p.test}\`` : 'run the public tests';
  return `<think>\nNo error message was given, so I do not know yet what fails.\n</think>\n${tokens[0]}\nI will ${test}, read the failing output, and then inspect the loop bounds, comparisons and returned variables.`;
}

function editReply(p: Problem | undefined, tokens: readonly string[]): string {
  const fix = p?.fixed ? `\`\`\`python\n${p.fixed}\`\`\`` : 'The error points at the faulty line; correct it there.';
  return `<think>\nThe error message points at the fault, so I can fix it directly.\n</think>\n${tokens[1]}\n${fix}`;
}

/** The scripted reply to a user turn made by instructions.ts. */
export function scriptedReply(user: string, problems: readonly Problem[], tokens: readonly string[]): string {
  const problem = problems.find((p) => user.includes(p.code));
  return user.includes('\n\nError message:\n') ? editReply(problem, tokens) : agentReply(problem, tokens);
}

async function body(req: IncomingMessage): Promise<{ model?: string; messages?: { role: string; content: string }[] }> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text) as { model?: string; messages?: { role: string; content: string }[] };
}

export async function startScriptedTeacher(problems: readonly Problem[], tokens: readonly string[]): Promise<LocalEndpoint> {
  const server = createServer((req, res) => {
    body(req).then((b) => {
      const user = b.messages?.findLast((m) => m.role === 'user')?.content ?? '';
      const content = scriptedReply(user, problems, tokens);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'scripted', object: 'chat.completion', created: 0, model: b.model ?? 'scripted', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }] }));
    }, () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'bad JSON body', type: 'invalid_request_error', param: null, code: null } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, close: () => new Promise((r) => server.close(() => r())) };
}
