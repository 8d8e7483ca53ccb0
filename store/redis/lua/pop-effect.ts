/**
 * Removes the head of an outbox list only when it is the effect the caller executed, so two
 * executors racing on one queue never drop an effect that neither ran. Each element is JSON that
 * starts with {"id":<json string>, so comparing that prefix identifies it without decoding.
 * KEYS[1] outbox list
 * ARGV[1] expected prefix of the head element
 * returns the remaining length after popping, or -1 when the head is missing or another effect
 */
export const POP_EFFECT = `
local head = redis.call('LINDEX', KEYS[1], 0)
if not head or string.sub(head, 1, #ARGV[1]) ~= ARGV[1] then return -1 end
redis.call('LPOP', KEYS[1])
return redis.call('LLEN', KEYS[1])
`;
