import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';

/**
 * The optional Redis connection (REDIS_URL) for counters shared by all instances. Commands fail
 * fast while it is down instead of queueing, so that a lost Redis costs shared rate limits, not
 * availability; ioredis reconnects in the background.
 */
export async function createRedis(url: string, logger: Logger): Promise<Redis> {
  // Loaded only when Redis is configured: the client library costs several MB of memory.
  const { Redis: RedisClient } = await import('ioredis');
  const client = new RedisClient(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  let healthy = true;
  client.on('error', (error: Error) => {
    if (healthy) logger.error({ err: error }, 'Redis is unreachable: rate limits fall back to allowing requests');
    healthy = false;
  });
  client.on('ready', () => {
    if (!healthy) logger.info('Redis is reachable again');
    healthy = true;
  });
  return client;
}
