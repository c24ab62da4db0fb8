/**
 * The Lua scripts of the Redis locker. Each runs atomically in Redis, so "is the lock free, and
 * is this waiter first in line" is one decision, whichever node asks. Keys per lock name:
 * `lock` (the holder's token, with a TTL the holder keeps renewing), `queue` (a sorted set of
 * waiting tokens in arrival order) and `alive` (each waiter's deadline; a waiter on a node that
 * died stops renewing it and is skipped). Times come from Redis's clock, never a node's.
 */

/**
 * KEYS: lock, queue, alive. ARGV: token, lock TTL ms, waiter TTL ms. A waiter's place in line is
 * Redis's clock in microseconds when it first asked (ties, if any, in token order).
 * Returns [1, waiters still queued] when granted, else [0, 0] after joining (or staying in) the queue.
 */
export const ACQUIRE = `
local lock, queue, alive = KEYS[1], KEYS[2], KEYS[3]
local token, ttl, waitTtl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = math.floor(micros / 1000)
local head
while true do
  head = redis.call('ZRANGE', queue, 0, 0)[1]
  if not head or head == token then break end
  local deadline = tonumber(redis.call('HGET', alive, head) or '0')
  if deadline >= now then break end
  redis.call('ZREM', queue, head)
  redis.call('HDEL', alive, head)
end
if redis.call('EXISTS', lock) == 0 and (not head or head == token) then
  redis.call('SET', lock, token, 'PX', ttl)
  redis.call('ZREM', queue, token)
  redis.call('HDEL', alive, token)
  return {1, redis.call('ZCARD', queue)}
end
if not redis.call('ZSCORE', queue, token) then
  redis.call('ZADD', queue, micros, token)
end
redis.call('HSET', alive, token, now + waitTtl)
redis.call('PEXPIRE', queue, waitTtl * 2)
redis.call('PEXPIRE', alive, waitTtl * 2)
return {0, 0}
`;

/** KEYS: lock. ARGV: token, TTL ms. Returns 1 while the token still holds the lock. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/** KEYS: lock. ARGV: token, free channel. Lets go (if still held) and wakes the waiters. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
redis.call('PUBLISH', ARGV[2], '')
return 1
`;

/** KEYS: queue, alive. ARGV: token, free channel. A waiter that gives up leaves the line. */
export const LEAVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], '')
return 1
`;
