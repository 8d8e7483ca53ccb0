/**
 * Removes and returns due timers in one step, so two bot replicas polling at once never both
 * receive the same timer.
 * KEYS[1] timers sorted set ("<runId>|<name>" -> due ms)
 * ARGV[1] now (ms); ARGV[2] limit
 * returns a flat array member, score, member, score, … (oldest due first)
 */
export const CLAIM_TIMERS = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due, 2 do redis.call('ZREM', KEYS[1], due[i]) end
return due
`;
