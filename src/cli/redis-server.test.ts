// startRedisServer as `herald dev` relies on it: one server per data folder, never a foreign listener
// taken for its own, and a data folder only its owner can read.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockFileName, startRedisServer, type RedisServer } from './redis-server.ts';

const dirs: string[] = [];
const servers: RedisServer[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-redis-server-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string, name: string) => {
    out[name] = (statSync(path).mode & 0o777).toString(8);
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry), `${name}/${entry}`);
  };
  walk(dir, '.');
  return out;
}

describe('startRedisServer', () => {
  it('refuses a second server on a locked data folder, naming the holder, and frees it on stop', async () => {
    const dir = folder();
    const first = await startRedisServer({ dir });
    servers.push(first);
    await expect(startRedisServer({ dir })).rejects.toThrow(new RegExp(`data folder ${dir} is in use: redis-server pid ${first.process.pid}`));
    await first.stop();
    const second = await startRedisServer({ dir });
    servers.push(second);
    expect(second.process.pid).not.toBe(first.process.pid);
  });

  it('tells how to stop a redis-server whose herald dev is gone', async () => {
    const dir = folder();
    const orphan = await startRedisServer({ dir });
    servers.push(orphan);
    // As after a SIGKILL of herald dev alone: its redis-server (detached) still runs.
    writeFileSync(join(dir, lockFileName), `${orphan.process.pid} 2147483646\n`);
    await expect(startRedisServer({ dir })).rejects.toThrow(`its herald dev is gone: \`kill ${orphan.process.pid}\``);
  });

  it('takes over the lock of a server that was killed', async () => {
    const dir = folder();
    const crashed = await startRedisServer({ dir });
    await crashed.kill();
    const next = await startRedisServer({ dir, port: crashed.port });
    servers.push(next);
    expect(next.port).toBe(crashed.port);
  });

  it('never adopts a foreign Redis already listening on the port', async () => {
    const foreign = await startRedisServer({ dir: folder() });
    servers.push(foreign);
    await expect(startRedisServer({ dir: folder(), port: foreign.port })).rejects.toThrow(/port \d+ on 127.0.0.1 is already in use by another process/);
  });

  it('keeps the data folder 0700 and every file in it 0600, including those of earlier runs', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'dump.rdb'), 'left by an earlier run', { mode: 0o644 });
    const server = await startRedisServer({ dir, extraConfig: ['user someone on #' + 'ab'.repeat(32) + ' ~* +@all'] });
    servers.push(server);
    const seen = modes(dir);
    expect(seen['.']).toBe('700');
    expect(seen['./redis.conf']).toBe('600');
    expect(seen['./redis.log']).toBe('600');
    expect(seen[`./${lockFileName}`]).toBe('600');
    expect(seen['./dump.rdb']).toBe('600');
    const aof = Object.entries(seen).filter(([name]) => name.startsWith('./appendonlydir/'));
    expect(aof.length).toBeGreaterThan(0);
    for (const [name, mode] of aof) expect(`${name} ${mode}`).toBe(`${name} 600`);
    expect(seen['./appendonlydir']).toBe('700');
  });
});
