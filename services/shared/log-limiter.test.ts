import { describe, expect, it } from 'vitest';
import { limitRepeats, type LevelLogger } from './log-limiter.ts';

/** A logger that keeps each line as pino would write it: the object's fields plus level and msg. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const line = (level: string) => (obj: object, msg?: string) => void lines.push({ ...obj, level, msg });
  const logger: LevelLogger = { info: line('info'), warn: line('warn'), error: line('error') };
  return { logger, lines };
}

describe('limitRepeats', () => {
  it('turns 100k identical warnings into one line plus one summary with the exact count', () => {
    const { logger, lines } = capture();
    let clock = 0;
    const limited = limitRepeats(logger, { windowMs: 60_000, now: () => clock, autoFlush: false });
    for (let i = 0; i < 100_000; i++) limited.warn({ id: `${i}-0`, reason: 'undecodable' }, 'event dead-lettered');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'event dead-lettered', id: '0-0' });
    clock = 60_000;
    limited.flush();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ repeated: 99_999, msg: 'event dead-lettered (repeated 99999 more times in 60 s)' });
  });

  it('logs a stuck relay once a window, not every retry, and keeps different messages apart', () => {
    const { logger, lines } = capture();
    let clock = 0;
    const limited = limitRepeats(logger, { windowMs: 60_000, now: () => clock, autoFlush: false });
    // 500 ms retries for 3 minutes.
    for (; clock < 180_000; clock += 500) {
      limited.error({ err: new Error('event too large') }, 'outbox relay failed; retrying');
      if (clock % 30_000 === 0) limited.warn({}, 'something else');
    }
    const relay = lines.filter((l) => String(l.msg).startsWith('outbox relay failed'));
    // One full line per 60 s window (3), plus a summary of each ended window (2; the third is still open).
    expect(relay.filter((l) => l.repeated === undefined)).toHaveLength(3);
    expect(relay.filter((l) => l.repeated === 119)).toHaveLength(2);
    expect(lines.filter((l) => String(l.msg).startsWith('something else')).length).toBeGreaterThan(0);
    limited.close();
    expect(lines.filter((l) => l.repeated === 119)).toHaveLength(3);
  });

  it('passes info lines through untouched', () => {
    const { logger, lines } = capture();
    const limited = limitRepeats(logger, { autoFlush: false });
    for (let i = 0; i < 5; i++) limited.info({}, 'consumer started');
    expect(lines).toHaveLength(5);
  });
});
