/**
 * Caps shared by the Redis and in-memory stores, so both keep the same bounded size.
 * Streams are trimmed approximately in Redis (`MAXLEN ~`), exactly in memory.
 */

/** a server's job stream: the runner reads it within seconds, so a thousand is ample backlog */
export const JOBS_MAXLEN = 1000;
/** the shared results stream: output batches from every runner, read by the bot within seconds */
export const RESULTS_MAXLEN = 100_000;
/** run ids kept per server for /cspatch history */
export const HISTORY_MAX = 200;
/** jobs handed to a runner per read; it executes them one after another */
export const JOB_READ_COUNT = 10;
/** first hash of the audit chain: the prevHash of entry 1 */
export const GENESIS_HASH = '0'.repeat(64);
