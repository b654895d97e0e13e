// Redis outages become 503 with Retry-After, from node-redis' own error classes and Redis' replies, and
// an outage logs one line (with a count later), not one per failed request.
import { describe, expect, it } from 'vitest';
import { ErrorReply, SocketTimeoutError } from 'redis';
import { createServiceApp } from './service-app.ts';
import { toErrorBody, unavailableRetryAfter } from './http-errors.ts';

describe('unavailableRetryAfter', () => {
  it.each([
    { name: 'a socket timeout (paused Redis)', error: new SocketTimeoutError(2000), expect: 1 },
    { name: 'a refused connection', error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }), expect: 1 },
    { name: 'BUSY', error: new ErrorReply('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'), expect: 1 },
    { name: 'OOM', error: new ErrorReply("OOM command not allowed when used memory > 'maxmemory'."), expect: 5 },
    { name: 'OOM inside a script', error: new ErrorReply("ERR Error running script (call to f_1): @user_script:3: -OOM command not allowed when used memory > 'maxmemory'."), expect: 5 },
    { name: 'LOADING', error: new ErrorReply('LOADING Redis is loading the dataset in memory'), expect: 1 },
    { name: 'a script bug', error: new ErrorReply('ERR Error running script: attempt to compare nil with number'), expect: undefined },
    { name: 'NOPERM (a configuration error, not an outage)', error: new ErrorReply('NOPERM User sales has no permissions to run the xadd command'), expect: undefined },
    { name: 'a plain bug', error: new TypeError('cannot read properties of undefined'), expect: undefined },
  ])('$name -> $expect', ({ error, expect: expected }) => {
    expect(unavailableRetryAfter(error)).toBe(expected);
    expect(toErrorBody(error).statusCode).toBe(expected === undefined ? 500 : 503);
  });
});

describe('an outage in the logs', () => {
  it('logs one line for 30 failed requests, not 30', async () => {
    const lines: string[] = [];
    const { app } = createServiceApp({ service: 'test', roles: ['api'], logLevel: 'warn', bodyLimit: 1024, logStream: { write: (line) => void lines.push(line) } });
    app.get('/down', async () => {
      throw new SocketTimeoutError(2000);
    });
    await app.ready();
    for (let i = 0; i < 30; i++) {
      const response = await app.inject('/down');
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
    }
    await app.close();
    const outage = lines.filter((line) => line.includes('redis unavailable'));
    // One line as it happened, one summary with the count when the app closed.
    expect(outage).toHaveLength(2);
    expect(JSON.parse(outage[1]!)).toMatchObject({ repeated: 29 });
  });
});
