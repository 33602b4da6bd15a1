// A random-access run of bytes (a file on disk, a URL read with HTTP Range requests, a browser File):
// what the safetensors reader needs, so its parsing is the same on every platform.

export interface ByteSource {
  /** Where the bytes come from, for messages (a path or a URL). */
  readonly path: string;
  /** Total length in bytes. */
  readonly size: number;
  /**
   * Exactly `length` bytes at `position`, in a fresh buffer at offset 0 (safe to view as any typed
   * array); a short read is an error that says the source is truncated.
   */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}
