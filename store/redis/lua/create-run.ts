/**
 * Creates a run at version 1 with its first effects, unless the run key exists.
 * KEYS[1] run document; KEYS[2] 'slack' outbox list; KEYS[3] 'control' outbox list
 * ARGV[1] document; ARGV[2] n = number of slack effects; ARGV[3..2+n] slack effects; the rest control effects
 * returns 1 when created, 0 when the run already exists (nothing written)
 */
export const CREATE_RUN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
local n = tonumber(ARGV[2])
for i = 3, 2 + n do redis.call('RPUSH', KEYS[2], ARGV[i]) end
for i = 3 + n, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
return 1
`;
