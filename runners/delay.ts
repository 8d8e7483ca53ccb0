/** Waits `ms`. Deliberately keeps the process alive: a retry in progress must not be cut short. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
