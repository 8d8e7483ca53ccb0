/**
 * Appends one audit entry if the chain head is still the one its hash was computed from (the
 * SHA-256 is computed in Node; Redis Lua has none). A caller that loses the race re-reads the
 * head and tries again, so concurrent appends still form one chain.
 * KEYS[1] audit stream; KEYS[2] head ("<seq>:<hash>", missing for an empty log)
 * ARGV[1] expected head ('' when empty); ARGV[2] new head; ARGV[3] field name; ARGV[4] entry JSON
 * returns the new stream id, or false (nil) when the head moved
 */
export const APPEND_AUDIT = `
local cur = redis.call('GET', KEYS[2]) or ''
if cur ~= ARGV[1] then return false end
local id = redis.call('XADD', KEYS[1], '*', ARGV[3], ARGV[4])
redis.call('SET', KEYS[2], ARGV[2])
return id
`;
