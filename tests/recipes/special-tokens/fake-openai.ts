// A fake OpenAI endpoint for the teacher tests: request n gets the fault `faults(n)` (429, 500,
// a hang that never answers) or a reply naming the job, after `delayMs`.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'ok' | 429 | 500 | 'hang';

export interface FakeEndpoint {
  url: string;
  requests: number;
  close(): Promise<void>;
}

const error = (res: ServerResponse, status: number) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message: `fake ${status}`, type: 'server_error', param: null, code: null } }));
};

export async function fakeOpenAI(faults: (n: number) => Fault, delayMs = 0): Promise<FakeEndpoint> {
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const fault = faults(state.requests++);
      if (fault === 'hang') return;
      if (fault !== 'ok') return error(res, fault);
      const user = (JSON.parse(text) as { messages: { content: string }[] }).messages.at(-1)!.content;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'fake', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `<think>\nok\n</think>\n<|EDIT|>\n${user}` } }] }));
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
