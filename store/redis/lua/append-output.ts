/**
 * Appends output lines to one step's list, keeps only the newest `maxLines`, and records the list
 * in the run's set of output keys. When the run is already finished (its document has a TTL) the
 * new keys get the same TTL, so late output cannot outlive the run.
 * KEYS[1] run document; KEYS[2] output list; KEYS[3] set of output keys
 * ARGV[1] maxLines; ARGV[2..] lines
 * returns the list length after trimming
 */
export const APPEND_OUTPUT = `
for i = 2, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[1]), -1)
redis.call('SADD', KEYS[3], KEYS[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return redis.call('LLEN', KEYS[2])
`;
