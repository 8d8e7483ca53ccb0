/**
 * Deletes a server lock only when it still holds the caller's "<runId>:<token>", so a stale
 * holder can never release a lock that was taken over since.
 * KEYS[1] lock
 * ARGV[1] expected value "<runId>:<token>"
 * returns 1 when released, 0 otherwise
 */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
