/**
 * Redis connection options for BullMQ from a queue URL (shared/queue-url.ts). Every connection retries
 * forever with a capped back-off (BullMQ's workers and event readers require `maxRetriesPerRequest: null`),
 * so a restarted Redis is picked up again by coordinators and workers alike. Only `address.display` (the
 * password hidden) may appear in messages.
 */
import type { ConnectionOptions } from 'bullmq';
import { InputError } from '@shared/errors';
import type { QueueAddress } from '@shared/queue-url';

export function redisConnection(a: QueueAddress): ConnectionOptions {
  return {
    host: a.host,
    port: a.port,
    db: a.db,
    ...(a.username ? { username: a.username } : {}),
    ...(a.password ? { password: a.password } : {}),
    ...(a.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  };
}

/** Connection errors without anything that could hold the URL (ioredis messages name host:port only). */
export function describeQueueError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/rediss?:\/\/\S+/gi, '(queue URL)');
}

/** Waits until `ready` resolves, or fails after `ms` with a one-line InputError naming the queue. */
export async function readyWithin<T>(
  ready: Promise<T>,
  a: QueueAddress,
  ms: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new InputError(
            `${what}: the queue at ${a.display} did not answer within ${Math.round(ms / 1000)} s (is redis-server running there, and the password right?)`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([ready, timeout]);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${what}: cannot use the queue at ${a.display}: ${describeQueueError(e)}`);
  } finally {
    clearTimeout(timer);
  }
}
