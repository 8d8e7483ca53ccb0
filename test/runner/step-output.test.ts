import { describe, expect, it } from '@jest/globals';
import type { OutputLine } from '../../runners/results.js';
import { createStepOutput, TAIL_LINES } from '../../runners/step-output.js';

/** How one step's lines are sorted into output batches, data and tail. */
describe('step output', () => {
  const collect = () => {
    const batches: Array<{ seq: number; lines: OutputLine[] }> = [];
    const output = createStepOutput({ send: async (seq, lines) => void batches.push({ seq, lines }), onError: (e) => { throw e; } });
    return { batches, output };
  };

  it('batches 50 lines at a time, in order, and flushes the rest on drain', async () => {
    const { batches, output } = collect();
    for (let i = 1; i <= 120; i += 1) output.line('stdout', `line ${i}\r`);
    await output.drain();
    expect(batches.map((b) => [b.seq, b.lines.length])).toEqual([[1, 50], [2, 50], [3, 20]]);
    expect(batches[0]?.lines[0]).toEqual({ stream: 'stdout', text: 'line 1' });
    expect(output.tail()).toEqual(Array.from({ length: TAIL_LINES }, (_, i) => `line ${100 + i + 1}`));
  });

  it('merges CSPATCH: objects from stdout into data and keeps everything else as output', async () => {
    const { batches, output } = collect();
    output.line('stdout', 'CSPATCH:{"a":1,"b":{"c":2}}');
    output.line('stdout', 'CSPATCH:{"a":3}');
    output.line('stdout', 'CSPATCH:{"__proto__":{"polluted":true}}');
    output.line('stdout', 'CSPATCH:[1]');
    output.line('stdout', 'CSPATCH:{oops');
    output.line('stderr', 'CSPATCH:{"fromStderr":true}');
    await output.drain();
    expect(output.data).toEqual({ a: 3, b: { c: 2 } });
    expect(Object.getPrototypeOf(output.data)).toBe(Object.prototype);
    expect(batches.flatMap((b) => b.lines)).toEqual([
      { stream: 'stdout', text: 'CSPATCH:[1]' },
      { stream: 'stdout', text: 'CSPATCH:{oops' },
      { stream: 'stderr', text: 'CSPATCH:{"fromStderr":true}' },
    ]);
  });

  it('clips a line longer than a message allows', async () => {
    const { batches, output } = collect();
    output.line('stdout', 'x'.repeat(10_000));
    await output.drain();
    expect(batches[0]?.lines[0]?.text).toHaveLength(8192);
  });
});
