// Redis Functions against a real redis-server: libraries load through an admin connection, service
// users may FCALL them and nothing else of scripting, and the prelude's outbox and inbox work inside them.
import { afterAll, describe, expect, it } from 'vitest';
import { redisTest } from '../../../test/support/redis-fixture.ts';
import { closeConnection, connectRedis, type RedisConnection } from './connection.ts';
import { parseEntries } from './replies.ts';
import { fcall, loadFunctionLibraries, runtimeLibrary, type FunctionLibrary } from './functions.ts';
import { fcallWithOutbox } from './outbox.ts';

const shop: FunctionLibrary = {
  name: 'shop',
  body: `
redis.register_function('shop_order', function(keys, args)
  local outbox, k, a = herald.outbox_call(keys, args)
  redis.call('SET', k[1], a[1])
  return outbox.append()
end)
redis.register_function('shop_apply', function(keys, args)
  if herald.inbox_seen(keys[1], args[1]) then return 'duplicate' end
  herald.inbox_record(keys[1], args[1], args[2])
  return 'applied'
end)
`,
};

let admin: RedisConnection;
let user: RedisConnection;

redisTest.override('redisOptions', { scope: 'file' }, {
  extraConfig: ['user shop reset on >shop-pass resetkeys ~shop:* -@all +hello +auth +ping +client|setname +fcall +fcall_ro +set +xadd +zscore +zadd +zremrangebyrank +time'],
  functions: [],
});
redisTest.beforeAll(async ({ redisServer, redis }) => {
  admin = redis;
  await loadFunctionLibraries(admin, [runtimeLibrary, shop]);
  user = await connectRedis(redisServer.url.replace('redis://', 'redis://shop:shop-pass@'));
});
afterAll(async () => {
  await closeConnection(user);
});

const attempt = async (command: string[]) => user.sendCommand(command).then(() => 'allowed', (error: Error) => error.message.split(' ')[0]);

describe('Redis Functions', () => {
  it('lets a service user FCALL and refuses every other scripting command with NOPERM', async () => {
    expect(await attempt(['FCALL', 'shop_apply', '1', 'shop:inbox', 'e0', '10'])).toBe('allowed');
    expect(await attempt(['EVAL', 'return 1', '0'])).toBe('NOPERM');
    expect(await attempt(['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'])).toBe('NOPERM');
    expect(await attempt(['SCRIPT', 'LOAD', 'return 1'])).toBe('NOPERM');
    expect(await attempt(['FUNCTION', 'LOAD', '#!lua name=evil\nredis.register_function("x", function() return 1 end)'])).toBe('NOPERM');
    expect(await attempt(['FUNCTION', 'DELETE', 'shop'])).toBe('NOPERM');
  });

  it('appends the outbox entry and the function’s own writes in one call, keys and args numbered from 1', async () => {
    const id = await fcallWithOutbox(user, 'shop_order', { outbox: 'shop:outbox', entry: ['herald-channel', 'shop.order.v1', 'data', Buffer.from([0xff, 0x80])], keys: ['shop:order:1'], args: ['{"n":1}'] });
    expect(String(id)).toMatch(/^\d+-\d+$/);
    expect(String(await admin.sendCommand(['GET', 'shop:order:1']))).toBe('{"n":1}');
    const [entry] = parseEntries(await admin.sendCommand(['XRANGE', 'shop:outbox', '-', '+']));
    expect(entry!.fields.get('herald-channel')!.toString()).toBe('shop.order.v1');
    expect(entry!.fields.get('data')).toEqual(Buffer.from([0xff, 0x80]));
  });

  it('keeps the inbox to its window and still catches a redelivery inside it', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) expect(String(await fcall(user, 'shop_apply', ['shop:window'], [id, '3']))).toBe('applied');
    expect(Number(await admin.sendCommand(['ZCARD', 'shop:window']))).toBe(3);
    expect(String(await fcall(user, 'shop_apply', ['shop:window'], ['e', '3']))).toBe('duplicate');
    expect(String(await fcall(user, 'shop_apply', ['shop:window'], ['c', '3']))).toBe('duplicate');
    // 'a' left the window: the inbox alone no longer knows it (the aggregate's own mark must catch it).
    expect(String(await fcall(user, 'shop_apply', ['shop:window'], ['a', '3']))).toBe('applied');
  });

  it('names the setup command when a function is not installed', async () => {
    await expect(fcall(user, 'shop_missing', [], [])).rejects.toMatchObject({ code: 'HERALD_ERR_CONFIG', message: expect.stringContaining('herald redis setup') });
  });
});
