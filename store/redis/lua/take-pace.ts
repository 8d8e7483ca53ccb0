/**
 * One write slot for a channel, by the generic cell rate algorithm: the key holds the theoretical
 * arrival time (TAT) of the next write; a write may go when now >= TAT - interval * (burst - 1).
 * KEYS[1] pace key of the channel
 * ARGV[1] now (ms), ARGV[2] interval per write (ms), ARGV[3] burst (writes allowed at once)
 * returns 0 when the slot was taken, else the ms to wait (nothing taken)
 */
export const TAKE_PACE = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allowAt = tat - interval * (burst - 1)
if now < allowAt then return allowAt - now end
redis.call('SET', KEYS[1], tat + interval, 'PX', interval * burst + 1000)
return 0
`;
