// Several requests' event streams as one, each event tagged with its request's index, in arrival order.
import { Channel } from './channel.js';

export async function* mergeStreams<T>(streams: readonly AsyncIterableIterator<T>[]): AsyncGenerator<{ index: number; event: T }> {
  const merged = new Channel<{ index: number; event: T }>(() => streams.forEach((s) => void s.return?.()));
  let open = streams.length;
  if (open === 0) return;
  streams.forEach(async (stream, index) => {
    try {
      for await (const event of stream) merged.push({ index, event });
      if (--open === 0) merged.close();
    } catch (error) {
      merged.fail(error);
    }
  });
  try {
    yield* merged;
  } finally {
    await merged.return();
  }
}
