// A non-transactional idempotency middleware over Redis keys. Prefer a transactional inbox (the id
// recorded in the same atomic step as the effect); this one suits handlers whose effect is elsewhere.
import type { Middleware } from '../core/types.ts';
import type { RedisConnection } from './connection.ts';

/**
 * Skips events whose id this group has already handled (a duplicate publish or a redelivery after a
 * crash between handling and XACK). The mark is written after the handler succeeds, so a crash
 * between the two can still repeat an effect: handlers whose effect lives in Redis should record the
 * id in the same transaction as the effect instead (a transactional inbox, as Sales does).
 */
export function idempotency(redis: RedisConnection, options: { group: string; ttlSeconds?: number }): Middleware {
  const ttl = String(options.ttlSeconds ?? 7 * 24 * 3600);
  return (next) => async (event) => {
    const key = `herald:inbox:${options.group}:${event.envelope.id}`;
    if (Number(await redis.sendCommand(['EXISTS', key])) === 1) return;
    await next(event);
    await redis.sendCommand(['SET', key, '1', 'EX', ttl]);
  };
}
