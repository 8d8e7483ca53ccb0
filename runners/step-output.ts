import { mergeData, parseDataLine } from './data-line.js';
import { createOutputBatcher } from './output-batcher.js';
import { clip, type OutputLine } from './results.js';

export const TAIL_LINES = 20;

export interface StepOutput {
  line(stream: OutputLine['stream'], text: string): void;
  /** Sends the last batch and waits for all of them. */
  drain(): Promise<void>;
  /** merged CSPATCH: objects */
  readonly data: Record<string, unknown>;
  /** the last ordinary lines, oldest first */
  tail(): string[];
}

export interface StepOutputOptions {
  readonly send: (seq: number, lines: OutputLine[]) => Promise<void>;
  readonly onError: (err: unknown) => void;
}

/**
 * Sorts one step's lines: data lines feed `data` and are not shown (they are for the bot, not
 * for people); every other line is streamed and the last ones kept for the thread.
 */
export function createStepOutput(opts: StepOutputOptions): StepOutput {
  const data: Record<string, unknown> = {};
  const tail: string[] = [];
  const batcher = createOutputBatcher(opts);
  return {
    data,
    line(stream, raw) {
      // Windows tools end lines with CRLF; readline leaves the CR behind.
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      // Only stdout carries data: the rendered scripts write it there, stderr is for people.
      const parsed = stream === 'stdout' ? parseDataLine(text) : null;
      if (parsed) {
        mergeData(data, parsed);
        return;
      }
      const clipped = clip(text);
      tail.push(clipped);
      if (tail.length > TAIL_LINES) tail.shift();
      batcher.add({ stream, text: clipped });
    },
    drain: () => batcher.drain(),
    tail: () => [...tail],
  };
}
