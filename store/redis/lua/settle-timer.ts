/**
 * Removes a fired timer only while it still has the score its claim gave it: if it was scheduled
 * again meanwhile (a watchdog re-armed by the event it fired), the new due time stays.
 * KEYS[1] timers sorted set
 * ARGV[1] member "<runId>|<name>"; ARGV[2] lease end the claim set (ms)
 * returns 1 when removed, 0 otherwise
 */
export const SETTLE_TIMER = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
`;
