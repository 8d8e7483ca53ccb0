import type { Stores } from '../store/ports.js';

type Hook = (method: string, args: readonly unknown[], result?: unknown) => void;

/** Calls `before` and, once the returned promise settles, `after` around every method. */
function watch<T extends object>(target: T, before: Hook, after: Hook): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        before(String(prop), args);
        const result: unknown = Reflect.apply(value, obj, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (v: unknown) => (after(String(prop), args, v), v),
          (err: unknown) => {
            after(String(prop), args);
            throw err;
          },
        );
      };
    },
  });
}

/**
 * Watches the stores the bot and the runner use, so the demo can wait for "nothing left to do"
 * on events rather than on a clock: every store call is a moment at which the answer may have
 * changed. It also remembers what the Stores interface cannot be asked: which runs this session
 * created, and which runs still owe the chat a parent refresh (a coalesced `parent` timer).
 */
export class ActivityProbe {
  private waiters = new Set<() => void>();
  private readonly runIds = new Set<string>();
  private readonly parentDue = new Set<string>();
  /** claimed `parent` timers whose refresh may still be on its way to the chat */
  private parentFiring = new Set<string>();

  /** The stores to hand to the bot and the runner; the demo's own checks use the unwrapped ones. */
  wrap(stores: Stores): Stores {
    const notify = () => this.notify();
    const quiet: Hook = () => undefined;
    const after: Hook = () => notify();
    const runs = watch(stores.runs, quiet, (method, args, result) => {
      if (method === 'create' && result === true && typeof args[0] === 'string') this.runIds.add(args[0]);
      notify();
    });
    const timers = watch(
      stores.timers,
      (method) => {
        // The timer loop fires one tick's timers in turn and ticks never overlap, so when it
        // claims again, every refresh it claimed before has reached the chat.
        if (method === 'claimDue') this.parentFiring = new Set();
      },
      (method, args, result) => {
        const [runId, name] = args;
        if (name === 'parent' && typeof runId === 'string') {
          if (method === 'schedule') this.parentDue.add(runId);
          if (method === 'cancel') this.parentDue.delete(runId);
        }
        if (method === 'claimDue' && Array.isArray(result)) {
          for (const t of result as Array<{ runId: string; name: string }>) {
            if (t.name !== 'parent') continue;
            this.parentDue.delete(t.runId);
            this.parentFiring.add(t.runId);
          }
        }
        notify();
      },
    );
    return {
      runs,
      timers,
      locks: watch(stores.locks, quiet, after),
      botBus: watch(stores.botBus, quiet, after),
      runnerBus: watch(stores.runnerBus, quiet, after),
      runners: watch(stores.runners, quiet, after),
      dedupe: watch(stores.dedupe, quiet, after),
      pacer: watch(stores.pacer, quiet, after),
      audit: watch(stores.audit, quiet, after),
      settings: watch(stores.settings, quiet, after),
      close: () => stores.close(),
    };
  }

  /** Runs created through the wrapped stores, oldest first. */
  runs(): string[] {
    return [...this.runIds];
  }

  /** True while the run's thread parent has a refresh scheduled or on its way. */
  parentPending(runId: string): boolean {
    return this.parentDue.has(runId) || this.parentFiring.has(runId);
  }

  /** Something happened (a store call returned, the chat was called). */
  notify(): void {
    const waiting = this.waiters;
    this.waiters = new Set();
    for (const wake of waiting) wake();
  }

  /**
   * Resolves once `check` holds, re-checking after each activity; false when `signal` aborts or
   * `timeoutMs` passes first. Subscribing before each check means no activity is missed.
   */
  async until(check: () => Promise<boolean>, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let giveUp: () => void = () => undefined;
    const gaveUp = new Promise<false>((resolve) => {
      giveUp = () => resolve(false);
      timer = setTimeout(giveUp, timeoutMs);
    });
    signal?.addEventListener('abort', giveUp, { once: true });
    let wake: (() => void) | null = null;
    try {
      for (;;) {
        if (signal?.aborted) return false;
        const next = new Promise<true>((resolve) => {
          wake = () => resolve(true);
          this.waiters.add(wake);
        });
        if (await check()) return true;
        if (!(await Promise.race([next, gaveUp]))) return false;
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', giveUp);
      if (wake) this.waiters.delete(wake);
    }
  }
}
