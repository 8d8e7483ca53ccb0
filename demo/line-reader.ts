import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';

/** Where typed lines come from and where everything is printed, so output never breaks a prompt. */
export interface LineReader {
  /** The next line (without its newline), or null once input has ended. */
  read(prompt: string): Promise<string | null>;
  /** Prints whole lines, keeping any half-typed input below them. */
  print(text: string): void;
  /** Ends input: a pending and every later read() returns null. */
  close(): void;
  /** where the next line comes from, e.g. "sample.script:12", for error messages */
  where(): string;
}

/**
 * Lines from a file, each echoed after its prompt so the transcript reads like a session.
 * Lines starting with # are notes for the reader of the script and are skipped; an empty line
 * is Enter (it keeps a form's pre-filled answer).
 */
export function scriptReader(path: string, write: (text: string) => void): LineReader {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  // A final newline is not an extra Enter.
  if (lines.at(-1) === '') lines.pop();
  const name = path.split(/[\\/]/).at(-1) ?? path;
  let next = 0;
  let closed = false;
  return {
    async read(prompt) {
      while (!closed && next < lines.length && /^\s*#/.test(lines[next] ?? '')) next += 1;
      if (closed || next >= lines.length) return null;
      const line = lines[next] ?? '';
      next += 1;
      write(`${prompt}${line}\n`);
      return line;
    },
    print: (text) => write(text.endsWith('\n') ? text : `${text}\n`),
    close() {
      closed = true;
    },
    where: () => `${name}:${next}`,
  };
}

/**
 * Lines typed at the terminal (node:readline); output arriving meanwhile is printed above the
 * prompt. Piped input is echoed after its prompt, as a script is, so the output reads as a session.
 */
export function terminalReader(input: NodeJS.ReadStream, output: NodeJS.WriteStream, onInterrupt: () => void): LineReader {
  const tty = input.isTTY === true && output.isTTY === true;
  const rl: Interface = createInterface({ input, output, terminal: tty, historySize: 200 });
  const queued: string[] = [];
  let waiting: { readonly prompt: string; readonly wake: (line: string | null) => void } | null = null;
  let closed = false;
  let lineNo = 0;
  rl.on('line', (line) => {
    lineNo += 1;
    if (!waiting) {
      queued.push(line);
      return;
    }
    const { prompt, wake } = waiting;
    waiting = null;
    if (!tty) output.write(`${prompt}${line}\n`);
    wake(line);
  });
  // End of input (Ctrl-D, or the end of piped lines): the lines already typed still run.
  rl.on('close', () => {
    closed = true;
    // Ctrl-D at the prompt: end the prompt's line before the goodbye output.
    if (waiting && tty) output.write('\n');
    waiting?.wake(null);
    waiting = null;
  });
  // Ctrl-C ends the session now (a /wait gives up) and cleanly, rather than killing it mid-cleanup.
  rl.on('SIGINT', () => {
    queued.length = 0;
    onInterrupt();
    rl.close();
  });
  return {
    read(prompt) {
      const line = queued.shift();
      if (line !== undefined) {
        if (!tty) output.write(`${prompt}${line}\n`);
        return Promise.resolve(line);
      }
      if (closed) return Promise.resolve(null);
      if (tty) {
        rl.setPrompt(prompt);
        rl.prompt();
      }
      return new Promise((resolve) => {
        waiting = { prompt, wake: resolve };
      });
    },
    print(text) {
      const body = text.endsWith('\n') ? text : `${text}\n`;
      if (!waiting || !tty) {
        output.write(body);
        return;
      }
      // Clear the prompt line, print, then show the prompt again with what was typed so far.
      output.write('\r\x1b[K');
      output.write(body);
      rl.prompt(true);
    },
    close: () => rl.close(),
    where: () => `input line ${lineNo + 1}`,
  };
}
