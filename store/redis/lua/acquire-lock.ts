/**
 * Takes a server lock with a fresh fencing token, or returns the token the same run already
 * holds (so a retried acquire after a lost reply is harmless). Tokens come from INCR on the fence
 * key and are only drawn when the lock is actually granted.
 * KEYS[1] lock ("<runId>:<token>"); KEYS[2] fence counter
 * ARGV[1] runId
 * returns the token held by runId, or -1 when another run holds the server
 */
export const ACQUIRE_LOCK = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local holder, token = string.match(cur, '^(.*):(%d+)$')
  if holder == ARGV[1] then return tonumber(token) end
  return -1
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'NX')
return token
`;
