// `herald schemas publish|list`: the runtime half of the schema registry. `publish` writes every
// released version's fingerprint and canonical schema text (the current contract plus each vX.Y.Z
// release tag) into Redis, where strict consumers and `herald inspect` read them. `list` shows what
// would be published. Writing needs the admin (deployer) user; services can only read.
import { parseArgs } from 'node:util';
import { HeraldError } from '../../runtime/core/errors.ts';
import { closeConnection, connectRedis } from '../../runtime/redis/connection.ts';
import { publishSchemas } from '../../runtime/redis/schema-registry.ts';
import { schemaTextKey } from '../../runtime/redis/schema-registry-keys.ts';
import { resolveCliRedisUrl } from '../credentials-file.ts';
import { releasedSchemas } from '../released-schemas.ts';
import type { CommandModule } from '../main.ts';

const usage = `Usage: herald schemas publish|list [--redis <url>] [--data .data/redis] [--spec asyncapi.yaml] [--proto proto] [--out generated]
  publish  write every released version (current contract + vX.Y.Z tags) into the Redis schema registry
  list     print what publish would write, without Redis
  --redis  Redis URL of a user that may write herald:schemas:* (default REDIS_URL, else
           HERALD_REDIS_ADMIN_URL from <data>/credentials.env written by \`herald dev\`)
`;

export const command: CommandModule = {
  summary: 'Publish every released schema version to the Redis schema registry (list: show them)',
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: {
        redis: { type: 'string' }, data: { type: 'string' }, spec: { type: 'string', default: 'asyncapi.yaml' },
        proto: { type: 'string', default: 'proto' }, out: { type: 'string', default: 'generated' }, help: { type: 'boolean', short: 'h' },
      },
    });
    const action = positionals[0];
    if (values.help || !action) {
      ctx.stdout.write(usage);
      return values.help ? 0 : 2;
    }
    if (action !== 'publish' && action !== 'list') throw new HeraldError('HERALD_ERR_CONFIG', `unknown action "${action}": use publish or list`);
    const { schemas, notes } = await releasedSchemas(ctx.cwd, { asyncapiPath: values.spec, protoDir: values.proto, outDir: values.out });
    for (const note of notes) ctx.stderr.write(`herald schemas: ${note}\n`);
    if (action === 'list') {
      for (const s of schemas) ctx.stdout.write(`${s.fingerprint}  ${s.type}  ${s.releases.join(' ')}\n`);
      return 0;
    }
    const target = resolveCliRedisUrl(ctx.cwd, 'admin', { redis: values.redis, data: values.data });
    if (!target) throw new HeraldError('HERALD_ERR_CONFIG', 'no Redis: pass --redis <url>, set REDIS_URL, or start `herald dev` (it writes .data/redis/credentials.env)');
    const redis = await connectRedis(target.url, { name: 'herald-schemas' });
    try {
      await publishSchemas(redis, schemas);
    } finally {
      await closeConnection(redis);
    }
    const types = new Set(schemas.map((s) => s.type));
    ctx.stdout.write(`herald schemas: published ${schemas.length} version(s) of ${types.size} message type(s) to ${schemaTextKey('<type>')}\n`);
    return 0;
  },
};
