/**
 * The one place that names every Redis key, stream, group and lock. Keys that belong together
 * share a hash tag ({srv:…} or {run:…}) so multi-key operations stay on one Cluster slot.
 */
export const RUNNER_GROUP = 'runner';
export const BOT_GROUP = 'bots';

export interface KeyRegistry {
  readonly prefix: string;
  /** stream: jobs for one server; the bot XADDs, that server's runner reads with RUNNER_GROUP */
  jobs(server: string): string;
  /** hash: runner registration, detected facts and last heartbeat; written by the runner */
  runner(server: string): string;
  /** string: "<runId>:<token>" of the run holding the server; set by the bot with NX */
  lock(server: string): string;
  /** counter: monotonically increasing fencing tokens for the server lock */
  fence(server: string): string;
  /** list: run ids for the server, newest first; written by the bot */
  history(server: string): string;
  /** sorted set: server -> last heartbeat (ms); written by runners, read for /cspatch runners */
  runners: string;
  /** stream: results and output from every runner; the bot reads with BOT_GROUP */
  results: string;
  /** string: a run's JSON state including its version; written only through compare-and-set */
  run(runId: string): string;
  /** list: full output lines of one step of a run; written by the bot as results arrive */
  output(runId: string, stepIndex: number): string;
  /** set: ids of runs that are not finished; the bot's restart and timer scans start here */
  activeRuns: string;
  /** sorted set: "<runId>|<timer>" -> due time (ms); claimed by whichever bot replica pops it */
  timers: string;
  /** stream: append-only audit trail, each entry chained to the previous by hash */
  audit: string;
  /** string: hash of the newest audit entry, the chain's head */
  auditHead: string;
  /** list: Slack calls waiting to be made for one run, in order */
  outbox(runId: string): string;
  /** sorted set: run ids with pending outbox entries -> next attempt time (ms) */
  outboxReady: string;
  /** string with TTL: marks an interaction or delivery already handled (dedupe) */
  seen(id: string): string;
  /** hash: per-channel and per-user settings (language) */
  settings: string;
}

export function createKeys(prefix: string): KeyRegistry {
  const p = prefix;
  return {
    prefix: p,
    jobs: (s) => `${p}:{srv:${s}}:jobs`,
    runner: (s) => `${p}:{srv:${s}}:runner`,
    lock: (s) => `${p}:{srv:${s}}:lock`,
    fence: (s) => `${p}:{srv:${s}}:fence`,
    history: (s) => `${p}:{srv:${s}}:history`,
    runners: `${p}:runners`,
    results: `${p}:results`,
    run: (id) => `${p}:{run:${id}}`,
    output: (id, i) => `${p}:{run:${id}}:out:${i}`,
    activeRuns: `${p}:runs:active`,
    timers: `${p}:timers`,
    audit: `${p}:audit`,
    auditHead: `${p}:audit:head`,
    outbox: (id) => `${p}:{run:${id}}:outbox`,
    outboxReady: `${p}:outbox:ready`,
    seen: (id) => `${p}:seen:${id}`,
    settings: `${p}:settings`,
  };
}
