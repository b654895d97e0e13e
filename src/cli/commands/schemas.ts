// `herald schemas publish|list`: the runtime half of the schema registry. `publish` writes every
// released version's fingerprint and canonical schema text (the current contract plus each vX.Y.Z
// release tag) into Redis, where strict consumers and `herald inspect` read them. `list` shows what
// would be published. Writing needs the admin (deployer) user; services can only read.
import { closeConnection, connectRedis } from '../../runtime/redis/connection.ts';
import { publishSchemas } from '../../runtime/redis/schema-registry.ts';
import { schemaTextKey } from '../../runtime/redis/schema-registry-keys.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import { requireContractFile } from '../contract-precheck.ts';
import { resolveCliRedisUrl } from '../credentials-file.ts';
import { releasedSchemas } from '../released-schemas.ts';
import type { CommandModule } from '../main.ts';

const usage = `Usage: herald schemas publish|list [--redis <url>] [--data .data/redis] [--spec asyncapi.yaml] [--proto proto] [--out generated]
  publish  write every released version (current contract + vX.Y.Z tags) into the Redis schema registry
  list     print what publish would write, without Redis
  --redis  Redis URL of a user that may write herald:schemas:* (default REDIS_URL, else
           HERALD_REDIS_ADMIN_URL from <data>/credentials.env written by \`herald dev\`)
Exit codes: 0 done, 1 failed (Redis refused, invalid contract), 2 bad usage.`;

export const command: CommandModule = {
  summary: 'Publish every released schema version to the Redis schema registry (list: show them)',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      redis: { type: 'string' }, data: { type: 'string' }, spec: { type: 'string', default: 'asyncapi.yaml' },
      proto: { type: 'string', default: 'proto' }, out: { type: 'string', default: 'generated' },
    }, { positionals: true });
    const [action, ...extra] = positionals;
    if (action === undefined) throw new UsageError('name an action: publish or list');
    if (action !== 'publish' && action !== 'list') throw new UsageError(`unknown action "${action}": use publish or list`);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    requireContractFile({ root: ctx.cwd, spec: values.spec, pointWith: '--spec <file> (and --proto <dir>), or --cwd <dir>' });
    const { schemas, notes } = await releasedSchemas(ctx.cwd, { asyncapiPath: values.spec, protoDir: values.proto, outDir: values.out });
    for (const note of notes) ctx.stderr.write(`herald schemas: ${note}\n`);
    if (action === 'list') {
      for (const s of schemas) ctx.stdout.write(`${s.fingerprint}  ${s.type}  ${s.releases.join(' ')}\n`);
      return 0;
    }
    const target = resolveCliRedisUrl(ctx.cwd, 'admin', { redis: values.redis, data: values.data });
    if (!target) throw new UsageError('no Redis: pass --redis <url>, set REDIS_URL, or start `herald dev` (it writes .data/redis/credentials.env)', { helpHint: false });
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
