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
  /** string: a run's JSON state as {"version":n,"value":…}; written only through compare-and-set */
  run(runId: string): string;
  /** list: full output lines of one step attempt of a run (capped); written by the bot as results arrive */
  output(runId: string, step: string | number): string;
  /** set: the output list keys of a run, so finishing the run can put a TTL on each of them */
  outputs(runId: string): string;
  /** hash: small per-run references (Slack message timestamps and similar); written by the bot */
  refs(runId: string): string;
  /** set: ids of runs that are not finished; the bot's restart and timer scans start here */
  activeRuns: string;
  /** sorted set: "<runId>|<timer>" -> due time (ms); a replica claims one by moving it to the end of a lease, removes it once fired */
  timers: string;
  /** stream: append-only audit trail, each entry chained to the previous by hash (not capped) */
  audit: string;
  /** string: "<seq>:<hash>" of the newest audit entry, the chain's head; same slot as the stream */
  auditHead: string;
  /** list: effects waiting to be executed for one run and queue ('slack' | 'control'), in order */
  outbox(runId: string, queue: string): string;
  /** sorted set: "<runId>|<queue>" with pending effects -> next attempt time (ms) */
  outboxReady: string;
  /** string with TTL: marks an interaction or delivery already handled (dedupe) */
  seen(id: string): string;
  /** string with TTL: the channel's next theoretical write time (ms), for ChannelPacer */
  pace(channel: string): string;
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
    output: (id, step) => `${p}:{run:${id}}:out:${step}`,
    outputs: (id) => `${p}:{run:${id}}:outputs`,
    refs: (id) => `${p}:{run:${id}}:refs`,
    activeRuns: `${p}:runs:active`,
    timers: `${p}:timers`,
    // one hash tag so the append script may touch both in a Cluster
    audit: `${p}:{audit}`,
    auditHead: `${p}:{audit}:head`,
    outbox: (id, queue) => `${p}:{run:${id}}:outbox:${queue}`,
    outboxReady: `${p}:outbox:ready`,
    seen: (id) => `${p}:seen:${id}`,
    settings: `${p}:settings`,
    pace: (c) => `${p}:pace:{chan:${c}}`,
  };
}
