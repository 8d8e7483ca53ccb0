import type { MemoryStream } from './memory-stream.js';

/**
 * Waits of one store instance's blocked readers: each resolves on the stream's next entry, its
 * timeout, or close(), whichever is first, and removes its listener and timer when it does.
 */
export class BlockingWaits {
  private readonly active = new Set<() => void>();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Calls `read` until it returns entries, the store closes, or `blockMs` has passed
   * (0 = read once). Like Redis, a reader woken for an entry another consumer took keeps waiting.
   */
  async readBlocking<T>(stream: MemoryStream, blockMs: number, read: () => T[]): Promise<T[]> {
    const deadline = Date.now() + blockMs;
    for (;;) {
      if (this.closed) return [];
      const got = read();
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0) return got;
      await this.next(stream, left);
    }
  }

  close(): void {
    this.closed = true;
    for (const finish of [...this.active]) finish();
  }

  private next(stream: MemoryStream, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        stream.events.off('entry', finish);
        this.active.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      stream.events.on('entry', finish);
      this.active.add(finish);
    });
  }
}
