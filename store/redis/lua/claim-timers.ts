/**
 * Claims due timers in one step, so two bot replicas polling at once never both receive the same
 * timer: each is removed, or with a lease moved to the lease's end (it comes back if its claimer
 * dies before settling it).
 * KEYS[1] timers sorted set ("<runId>|<name>" -> due ms)
 * ARGV[1] now (ms); ARGV[2] limit; ARGV[3] lease end (ms), or 0 to remove
 * returns a flat array member, score, member, score, … (oldest due first; scores as they were)
 */
export const CLAIM_TIMERS = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due, 2 do
  if ARGV[3] ~= '0' then redis.call('ZADD', KEYS[1], 'XX', ARGV[3], due[i]) else redis.call('ZREM', KEYS[1], due[i]) end
end
return due
`;
