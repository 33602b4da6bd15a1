// ByteSources the browser reads weights from: a URL over HTTP Range requests, bytes in memory (a
// server that ignores Range), a File or Blob (a user's pick, or OPFS's getFile()).
import { CheckpointFormatError, WgmlError } from '../errors.js';
import type { ByteSource } from '../io/byte-source.js';

/** A model file could not be fetched; the message names the URL and what the server answered. */
export class ModelFetchError extends WgmlError {}

export interface FetchSourceOptions {
  fetch?: typeof fetch;
  /** Called with the bytes of each body chunk as it arrives (download progress). */
  onBytes?: (bytes: number) => void;
  /** Told when the server ignores Range and the whole file is fetched at once. */
  warn?: (message: string) => void;
  /** A server without Range support is refused past this size (the file would be held whole); default 2 GiB − 1. */
  maxWholeFileBytes?: number;
}

/** Reads a response body into one buffer of exactly `length` bytes, counting chunks as they come. */
async function readBody(response: Response, length: number, url: string, onBytes?: (n: number) => void): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done: finished, value } = await reader.read();
    if (finished) break;
    if (done + value.byteLength > length) {
      await reader.cancel();
      throw new CheckpointFormatError(`${url}: the server sent more than the ${length} bytes asked for`);
    }
    out.set(value, done);
    done += value.byteLength;
    onBytes?.(value.byteLength);
  }
  if (done !== length) throw new CheckpointFormatError(`${url}: got ${done} of ${length} bytes; the download was cut short or the file is truncated`);
  return out;
}

const rangeHeader = (position: number, length: number) => ({ Range: `bytes=${position}-${position + length - 1}` });

/**
 * A URL read with HTTP Range requests, or null when the server answers 404. A server that ignores
 * Range (200 to the probe) gets one whole-file download, with a warning, up to maxWholeFileBytes.
 */
export async function openUrl(url: string, options: FetchSourceOptions = {}): Promise<ByteSource | null> {
  const get = options.fetch ?? fetch;
  const probe = await get(url, { headers: rangeHeader(0, 1) }).catch((err: unknown) => {
    throw new ModelFetchError(`${url}: cannot fetch (${(err as Error).message}); is the server up and does it allow this origin (CORS)?`);
  });
  if (probe.status === 404) {
    await probe.body?.cancel();
    return null;
  }
  if (probe.status === 206) {
    await probe.body?.cancel();
    const total = /\/(\d+)\s*$/.exec(probe.headers.get('content-range') ?? '')?.[1];
    if (total === undefined) throw new ModelFetchError(`${url}: a 206 answer without the file size in Content-Range (got ${JSON.stringify(probe.headers.get('content-range'))}); a CORS server must expose Content-Range`);
    return rangeSource(url, Number(total), get, options.onBytes);
  }
  if (!probe.ok) throw new ModelFetchError(`${url}: HTTP ${probe.status} ${probe.statusText}`);
  return wholeFile(url, probe, options);
}

function rangeSource(url: string, size: number, get: typeof fetch, onBytes?: (n: number) => void): ByteSource {
  return {
    path: url,
    size,
    async read(position, length) {
      if (length === 0) return new Uint8Array(0);
      if (position + length > size) throw new CheckpointFormatError(`${url}: bytes [${position}, ${position + length}) lie past the end of the ${size}-byte file; the file is truncated`);
      const response = await get(url, { headers: rangeHeader(position, length) });
      if (response.status !== 206) {
        await response.body?.cancel();
        throw new ModelFetchError(`${url}: HTTP ${response.status} to a Range request for bytes ${position}-${position + length - 1} (206 expected); did the file change on the server?`);
      }
      return readBody(response, length, url, onBytes);
    },
    close: async () => {},
  };
}

async function wholeFile(url: string, response: Response, options: FetchSourceOptions): Promise<ByteSource> {
  const size = Number(response.headers.get('content-length') ?? NaN);
  const max = options.maxWholeFileBytes ?? 2 ** 31 - 1;
  if (!Number.isSafeInteger(size) || size > max) {
    await response.body?.cancel();
    throw new ModelFetchError(
      `${url}: the server ignores HTTP Range requests and the file is ${Number.isNaN(size) ? 'of unknown size' : `${size} bytes`}, too large to download whole (limit ${max}); serve it from a server with Range support (npx wgml web, nginx, or any static host such as huggingface.co)`,
    );
  }
  (options.warn ?? console.warn)(`${url}: the server ignores HTTP Range requests; downloading the whole ${size}-byte file at once`);
  return bytesSource(url, await readBody(response, size, url, options.onBytes));
}

/** Bytes already in memory. */
export function bytesSource(path: string, bytes: Uint8Array): ByteSource {
  return {
    path,
    size: bytes.byteLength,
    async read(position, length) {
      if (position + length > bytes.byteLength) throw new CheckpointFormatError(`${path}: bytes [${position}, ${position + length}) lie past the end of the ${bytes.byteLength}-byte file; the file is truncated`);
      return bytes.slice(position, position + length);
    },
    close: async () => {},
  };
}

/** A File or Blob (a file the user picked, or an OPFS file's getFile()), read a slice at a time. */
export function blobSource(path: string, blob: Blob, onBytes?: (n: number) => void): ByteSource {
  return {
    path,
    size: blob.size,
    async read(position, length) {
      if (position + length > blob.size) throw new CheckpointFormatError(`${path}: bytes [${position}, ${position + length}) lie past the end of the ${blob.size}-byte file; the file is truncated`);
      const bytes = new Uint8Array(await blob.slice(position, position + length).arrayBuffer());
      onBytes?.(length);
      return bytes;
    },
    close: async () => {},
  };
}
