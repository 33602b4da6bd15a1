// The teacher the data step talks to, always through the `openai` client: a remote endpoint
// (base_url + key from the configured environment variable), `wgml serve` on a local model, or the
// scripted endpoint of scripted-teacher.ts.
import OpenAI from 'openai';
import { ConfigError } from '../../src/errors.js';
import type { Device } from '../../src/gpu/device.js';
import { serve } from '../../src/serve/server.js';
import { resolveAsset } from '../kit/paths.js';
import type { SpecialTokensConfig } from './config.js';
import type { Problem } from './problems.js';
import { startScriptedTeacher } from './scripted-teacher.js';

export interface TeacherEndpoint {
  client: OpenAI;
  model: string;
  describe: string;
  close(): Promise<void>;
}

type TeacherConfig = SpecialTokensConfig['teacher'];

function remote(t: TeacherConfig, env: NodeJS.ProcessEnv): TeacherEndpoint {
  if (!t.base_url) throw new ConfigError('teacher.mode remote needs teacher.base_url (e.g. https://api.openai.com/v1)');
  const apiKey = env[t.api_key_env];
  if (!apiKey) throw new ConfigError(`teacher.mode remote: the API key variable $${t.api_key_env} is not set (set it, or name another with teacher.api_key_env)`);
  return { client: new OpenAI({ baseURL: t.base_url, apiKey }), model: t.model, describe: `${t.model} at ${t.base_url}`, close: async () => undefined };
}

export async function openTeacher(c: SpecialTokensConfig, problems: readonly Problem[], device: () => Promise<Device>, env = process.env): Promise<TeacherEndpoint> {
  const t = c.teacher;
  if (t.mode === 'remote') return remote(t, env);
  // The local endpoints take no key; the client insists on one.
  const local = (url: string, describe: string, close: () => Promise<void>) => ({ client: new OpenAI({ baseURL: url, apiKey: 'local' }), model: t.model, describe, close });
  if (t.mode === 'scripted') {
    const s = await startScriptedTeacher(problems, c.tokens.add);
    return local(s.url, `scripted teacher at ${s.url}`, s.close);
  }
  const s = await serve({ model: resolveAsset(t.model_dir), port: 0, servedModelName: t.model, device: await device() });
  await s.ready;
  return local(`${s.url}/v1`, `wgml serve ${t.model_dir} at ${s.url}`, () => s.close());
}
