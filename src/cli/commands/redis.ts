// `herald redis setup`: the deployer's admin step for a Redis that Herald's services use. It installs the
// Redis Functions (the runtime's library and each service's, from services/<name>/manifest.json), creates
// each service's consumer groups (service users may not) and, with --acl, creates or resets each service's
// least-privilege user. It needs an admin connection and
// never stores a password anywhere: users get SHA-256 hashes of the passwords in the environment.
import { HeraldError } from '../../runtime/core/errors.ts';
import { closeConnection, connectRedis } from '../../runtime/redis/connection.ts';
import { librarySource, loadFunctionLibraries } from '../../runtime/redis/functions.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import type { CommandModule } from '../main.ts';
import { aclRuleTokens, contractChannels, createConsumerGroups, passwordHash, passwordVariable, serviceAccess, toolAclRuleTokens } from '../redis-acl.ts';
import { functionLibraries, readServiceManifests } from '../service-manifests.ts';

const usage = `Usage: herald redis setup [--url <redis://default:password@host:port>] [--acl] [--print]
Installs Herald's Redis Functions (the runtime's library and one per service under ./services) and creates
each service's consumer groups, with an admin connection (--url, else REDIS_URL). Services may only FCALL
the functions and may not create groups: run this after every upgrade.
  --acl    also create or reset each service's ACL user; passwords from HERALD_REDIS_<SERVICE>_PASSWORD
           (and the reader and producer users when HERALD_REDIS_READER_PASSWORD / _PRODUCER_PASSWORD are set)
  --print  print the libraries' Lua instead of installing them (nothing is sent)
Exit codes: 0 installed, 1 Redis refused, 2 bad usage.`;

export const command: CommandModule = {
  summary: 'Install Herald\'s Redis Functions (and, with --acl, the service users) as an admin step',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      url: { type: 'string' },
      acl: { type: 'boolean', default: false },
      print: { type: 'boolean', default: false },
    }, { positionals: true });
    if (positionals[0] !== 'setup' || positionals.length > 1) {
      throw new UsageError(positionals.length === 0 ? 'missing subcommand: herald redis setup' : `unknown subcommand "${positionals.join(' ')}": the one subcommand is setup`);
    }
    const libraries = functionLibraries(ctx.cwd);
    if (values.print) {
      for (const library of libraries) ctx.stdout.write(`${librarySource(library)}\n`);
      return 0;
    }
    const url = values.url ?? process.env.REDIS_URL;
    if (!url) throw new HeraldError('HERALD_ERR_CONFIG', 'no Redis to set up: pass --url or set REDIS_URL (an admin user\'s URL)', { field: 'REDIS_URL' });
    const redis = await connectRedis(url, { name: 'herald:setup' });
    try {
      const loaded = await loadFunctionLibraries(redis, libraries);
      ctx.stdout.write(`herald redis setup: installed function libraries ${loaded.join(', ')}\n`);
      const manifests = readServiceManifests(ctx.cwd);
      if (manifests.length > 0) {
        // Only the deployer creates groups: a group nobody reads would hold retention back (docs/reliability.md).
        const created = await createConsumerGroups(redis, serviceAccess(ctx.cwd, manifests));
        ctx.stdout.write(`herald redis setup: consumer groups ${created.length > 0 ? `created ${created.join(', ')}` : 'already there'}\n`);
      }
      if (values.acl) {
        const access = serviceAccess(ctx.cwd, readServiceManifests(ctx.cwd));
        const missing = access.map((a) => passwordVariable(a.name)).filter((name) => !process.env[name]);
        if (missing.length > 0) throw new HeraldError('HERALD_ERR_CONFIG', `--acl needs ${missing.join(', ')} in the environment`, { field: missing[0] });
        for (const a of access) {
          await redis.sendCommand(['ACL', 'SETUSER', a.name, 'reset', 'on', `#${passwordHash(process.env[passwordVariable(a.name)]!)}`, ...aclRuleTokens(a)]);
        }
        const tools = (['reader', 'producer'] as const).filter((user) => process.env[passwordVariable(user)]);
        for (const user of tools) {
          const rules = toolAclRuleTokens(user, contractChannels(ctx.cwd));
          await redis.sendCommand(['ACL', 'SETUSER', user, 'reset', 'on', `#${passwordHash(process.env[passwordVariable(user)]!)}`, ...rules]);
        }
        ctx.stdout.write(`herald redis setup: ACL users ${[...access.map((a) => a.name), ...tools].join(', ')} (services: FCALL only; no EVAL, SCRIPT or FUNCTION)\n`);
      }
    } finally {
      await closeConnection(redis);
    }
    return 0;
  },
};
