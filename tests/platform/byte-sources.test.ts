// Weights over HTTP: Range requests a tensor at a time, a whole-file fallback with a warning when the
// server ignores Range, a refusal when that file is too large to hold, 404 as "absent".
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../../src/errors.js';
import { ModelFetchError, openUrl } from '../../src/platform/byte-sources.js';

const FILE = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

/** A fetch over FILE that honours Range (or not), recording each request's Range header. */
function fakeFetch(options: { range: boolean; status?: number }) {
  const ranges: (string | null)[] = [];
  const get = async (_url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const range = new Headers(init?.headers).get('range');
    ranges.push(range);
    if (options.status) return new Response('nope', { status: options.status });
    const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
    if (!options.range || !m) return new Response(FILE.slice(), { status: 200, headers: { 'content-length': String(FILE.length) } });
    const [start, end] = [Number(m[1]), Number(m[2])];
    return new Response(FILE.slice(start, end + 1), { status: 206, headers: { 'content-range': `bytes ${start}-${end}/${FILE.length}` } });
  };
  return { get: get as typeof fetch, ranges };
}

describe('openUrl', () => {
  it('reads with Range requests: the size from the probe, then only the bytes asked for', async () => {
    const { get, ranges } = fakeFetch({ range: true });
    let counted = 0;
    const source = (await openUrl('http://x/model.safetensors', { fetch: get, onBytes: (n) => (counted += n) }))!;
    expect(source.size).toBe(1000);
    expect(await source.read(100, 50)).toEqual(FILE.slice(100, 150));
    expect(ranges).toEqual(['bytes=0-0', 'bytes=100-149']);
    expect(counted).toBe(50);
  });

  it('falls back to one whole-file download, with a warning, when the server ignores Range', async () => {
    const { get, ranges } = fakeFetch({ range: false });
    const warnings: string[] = [];
    const source = (await openUrl('http://x/model.safetensors', { fetch: get, warn: (w) => warnings.push(w) }))!;
    expect(await source.read(990, 10)).toEqual(FILE.slice(990));
    expect(await source.read(0, 3)).toEqual(FILE.slice(0, 3));
    expect(ranges).toHaveLength(1);
    expect(warnings).toEqual(['http://x/model.safetensors: the server ignores HTTP Range requests; downloading the whole 1000-byte file at once']);
  });

  it('refuses a whole-file fallback past maxWholeFileBytes, saying Range support is needed', async () => {
    const { get } = fakeFetch({ range: false });
    await expect(openUrl('http://x/m.safetensors', { fetch: get, maxWholeFileBytes: 999 })).rejects.toThrow(/ignores HTTP Range requests and the file is 1000 bytes, too large/);
  });

  it('gives null for a 404 and an error naming the status otherwise', async () => {
    expect(await openUrl('http://x/a', { fetch: fakeFetch({ range: true, status: 404 }).get })).toBeNull();
    await expect(openUrl('http://x/a', { fetch: fakeFetch({ range: true, status: 500 }).get })).rejects.toThrow(ModelFetchError);
  });

  it('refuses a read past the end as a truncated file', async () => {
    const source = (await openUrl('http://x/a', { fetch: fakeFetch({ range: true }).get }))!;
    await expect(source.read(990, 20)).rejects.toThrow(CheckpointFormatError);
  });
});
