/**
 * What a benchmark opened, closed in reverse order however it ends: every socket, process,
 * Redis key and temp directory, even when the benchmark failed halfway through starting up.
 */
export class Closers {
  private readonly stack: Array<{ what: string; close: () => unknown }> = [];

  /** Registers `close` and returns `value`, so opening and registering read as one line. */
  add<T>(value: T, what: string, close: (v: T) => unknown): T {
    this.stack.push({ what, close: () => close(value) });
    return value;
  }

  /** Closes everything; a failure to close is reported after all the others were tried. */
  async closeAll(): Promise<void> {
    const errors: string[] = [];
    for (const { what, close } of this.stack.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (errors.length > 0) throw new Error(`cleanup failed: ${errors.join('; ')}`);
  }
}
