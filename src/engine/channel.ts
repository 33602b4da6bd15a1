// An unbounded async queue of one request's events: the engine pushes, the caller iterates. A caller
// that stops iterating early (break, return, a thrown error) cancels the request through onCancel.

export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private failWaiter: ((e: unknown) => void) | null = null;
  private closed = false;
  private error: unknown = null;

  constructor(private readonly onCancel: () => void) {}

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) this.settle({ value: item, done: false });
    else this.items.push(item);
  }

  close(): void {
    this.closed = true;
    if (this.waiter && this.items.length === 0) this.settle({ value: undefined, done: true });
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.error = error;
    this.closed = true;
    if (this.failWaiter) {
      const reject = this.failWaiter;
      this.waiter = this.failWaiter = null;
      reject(error);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.error !== null) return Promise.reject(this.error);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.closed) this.onCancel();
    this.closed = true;
    this.items.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settle(r: IteratorResult<T>): void {
    const resolve = this.waiter!;
    this.waiter = this.failWaiter = null;
    resolve(r);
  }
}
