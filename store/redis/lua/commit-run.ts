/**
 * Compare-and-set of a run document plus its effects. The document starts with
 * {"version":<n>, which this script reads without decoding the (possibly large) JSON.
 * KEEPTTL: a run committed after finish() keeps its retention instead of living forever.
 * KEYS[1] run document; KEYS[2] 'slack' outbox list; KEYS[3] 'control' outbox list
 * ARGV[1] expected version; ARGV[2] new document; ARGV[3] n = number of slack effects;
 * ARGV[4..3+n] slack effects; the rest control effects
 * returns 1 when written, 0 when the run is missing or its version differs (nothing written)
 */
export const COMMIT_RUN = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if string.match(cur, '^{"version":(%d+),') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
local n = tonumber(ARGV[3])
for i = 4, 3 + n do redis.call('RPUSH', KEYS[2], ARGV[i]) end
for i = 4 + n, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
return 1
`;
