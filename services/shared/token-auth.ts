// Bearer-token guard for state-changing routes (SERVICE_TOKEN). It never logs or echoes the token,
// and compares in constant time so a wrong guess learns nothing from timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { httpError } from './errors.ts';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** An onRequest hook (it runs before the body is parsed or validated) that refuses the request with 401 unless it carries `Authorization: Bearer <token>`. */
export function requireToken(token: string | undefined): (request: FastifyRequest) => Promise<void> {
  if (!token) return async () => undefined;
  const expected = digest(token);
  return async (request) => {
    const header = request.headers.authorization;
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!given || !timingSafeEqual(digest(given), expected)) {
      throw httpError('HERALD_ERR_UNAUTHORIZED', 'this route needs Authorization: Bearer <SERVICE_TOKEN>', 'headers.authorization');
    }
  };
}
