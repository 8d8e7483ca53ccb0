const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export interface StopHandlers {
  /** the first SIGINT/SIGTERM */
  first(signal: NodeJS.Signals): void;
  /** every one after it */
  again(signal: NodeJS.Signals): void;
}

/**
 * Graceful, then forceful (like graphile-worker): the first signal lets the current step end,
 * the next one kills it. Returns a function that removes the handlers.
 */
export function onStopSignals(handlers: StopHandlers): () => void {
  let count = 0;
  const listener = (signal: NodeJS.Signals) => {
    count += 1;
    if (count === 1) handlers.first(signal);
    else handlers.again(signal);
  };
  for (const s of SIGNALS) process.on(s, listener);
  return () => {
    for (const s of SIGNALS) process.off(s, listener);
  };
}
