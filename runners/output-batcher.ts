import type { OutputLine } from './results.js';

export interface OutputBatcher {
  add(line: OutputLine): void;
  /** Sends what is buffered and waits until every batch so far has been sent, in order. */
  drain(): Promise<void>;
}

export interface BatcherOptions {
  /** sends one batch with its sequence number (1, 2, …); called one at a time, in order */
  readonly send: (seq: number, lines: OutputLine[]) => Promise<void>;
  readonly onError: (err: unknown) => void;
  /** flush when this many lines are waiting (about one Slack update's worth) */
  readonly maxLines?: number;
  /** or when the oldest waiting line is this old, so a quiet step still shows progress */
  readonly maxDelayMs?: number;
}

/**
 * Groups output lines into batches so a chatty installer costs one Redis write per ~50 lines,
 * not one per line. Sends are chained, so `seq` order is also arrival order.
 */
export function createOutputBatcher(opts: BatcherOptions): OutputBatcher {
  const maxLines = opts.maxLines ?? 50;
  const maxDelayMs = opts.maxDelayMs ?? 100;
  let buffer: OutputLine[] = [];
  let seq = 0;
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buffer.length === 0) return;
    const lines = buffer;
    buffer = [];
    const n = ++seq;
    chain = chain.then(() => opts.send(n, lines)).catch(opts.onError);
  };

  return {
    add(line) {
      buffer.push(line);
      if (buffer.length >= maxLines) flush();
      else timer ??= setTimeout(flush, maxDelayMs);
    },
    async drain() {
      flush();
      await chain;
    },
  };
}
