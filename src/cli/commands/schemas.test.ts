// `herald schemas publish` from a git repository with a release tag, then `herald inspect --entries`
// decoding an entry of the released (older) version from the registry alone, against a real redis-server.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, expect, test } from 'vitest';
import { createContractRepo, type ContractRepo } from '../../../test/support/contract-repo.ts';
import { redisTest, type TestRedisServer } from '../../../test/support/redis-fixture.ts';
import { MovieCreated } from '../../../generated/herald/catalog/movie/v1/events.ts';
import { MovieStatus } from '../../../generated/herald/catalog/movie/v1/movie.ts';
import { catalogMovie } from '../../../generated/channels/catalog-movie.ts';
import { schemaFingerprint } from '../../codegen/fingerprint.ts';
import { buildEnvelope, encodedEventToFields, type RedisConnection } from '../../runtime/index.ts';
import { main } from '../main.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
let server: TestRedisServer;
let redis: RedisConnection;
let repo: ContractRepo;
let base: string;
const created = 'herald.catalog.movie.v1.MovieCreated';

redisTest.beforeAll(({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
  base = mkdtempSync(join(tmpdir(), 'herald-schemas-'));
  for (const path of ['asyncapi.yaml', 'buf.yaml', 'proto', 'generated/contract/schemas']) cpSync(join(repoRoot, path), join(base, path), { recursive: true });
  repo = createContractRepo({ from: base, paths: ['asyncapi.yaml', 'buf.yaml', 'proto', 'generated'] });
  repo.git('tag', 'v1.0.0');
  // A later release without committed schema texts: publish bundles them again from its contract.
  repo.git('rm', '-rq', 'generated');
  repo.git('commit', '-qm', 'Drop generated/');
  repo.git('tag', 'v1.0.1');
  // After the release: a documentation change to Money, which three of the four messages carry (not MovieRetired).
  const money = join(repo.root, 'proto/herald/common/v1/money.proto');
  writeFileSync(money, readFileSync(money, 'utf8').replace('message Money {', '// Never negative.\nmessage Money {'));
});
afterAll(async () => {
  repo.cleanup();
  rmSync(base, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = new Writable({ write(chunk, _enc, done) { out += chunk.toString(); done(); } });
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => sink.write(chunk)) as typeof process.stdout.write;
  try {
    return { code: await main(args), out };
  } finally {
    process.stdout.write = original;
  }
}

test('publish registers the current contract and every release tag; inspect decodes the released version', async () => {
  const released = readFileSync(join(base, 'generated/contract/schemas', `${created}.proto`), 'utf8');
  const list = await run(['schemas', 'list', '--cwd', repo.root]);
  expect(list.out).toContain(`${schemaFingerprint(released)}  ${created}  v1.0.0 v1.0.1\n`);
  const publish = await run(['schemas', 'publish', '--redis', server.url, '--cwd', repo.root]);
  expect(publish.code).toBe(0);
  expect(publish.out).toMatch(/published 7 version\(s\) of 4 message type\(s\)/);

  const fingerprints = (await redis.sendCommand(['HKEYS', `herald:schemas:${created}`]) as Buffer[]).map(String).sort();
  expect(fingerprints).toHaveLength(2);
  expect(fingerprints).toContain(schemaFingerprint(released));
  const releases = String(await redis.sendCommand(['HGET', `herald:schemas:${created}:releases`, schemaFingerprint(released)]));
  expect(releases).toBe('v1.0.0 v1.0.1');
  expect(String(await redis.sendCommand(['HGET', `herald:schemas:${created}`, schemaFingerprint(released)]))).toBe(released);

  // Publishing again changes nothing (idempotent).
  await run(['schemas', 'publish', '--redis', server.url, '--cwd', repo.root]);
  expect(await redis.sendCommand(['HLEN', `herald:schemas:${created}`])).toBe(2);

  // An entry of the released version (this checkout's generated code is that release), read from a
  // folder with no generated/ at all: only the registry can decode it.
  const movie = { movieId: 'm-1', version: 1, movie: { movieId: 'm-1', title: 'Alien', price: { currencyCode: 'EUR', amountMinor: 1299n }, genres: [], releaseYear: 1979, status: MovieStatus.ACTIVE } };
  const envelope = buildEnvelope(catalogMovie.messages.MovieCreated, 'herald/python', { subject: 'm-1', sequence: 1 });
  await redis.sendCommand(['XADD', 'catalog.movie.v1', '*', ...encodedEventToFields({ envelope, data: Buffer.from(MovieCreated.encode(MovieCreated.create(movie)).finish()) })]);
  const inspect = await run(['inspect', 'catalog.movie.v1', '--entries', '1', '--json', '--redis', server.url, '--cwd', tmpdir()]);
  expect(inspect.code).toBe(0);
  const [report] = JSON.parse(inspect.out) as Array<{ entries: Array<{ decoded: { schema: string; value: { movie: { title: string; price: { amount_minor: string } } } } }> }>;
  expect(report!.entries[0]!.decoded.schema).toBe('registry');
  expect(report!.entries[0]!.decoded.value.movie.title).toBe('Alien');
  expect(report!.entries[0]!.decoded.value.movie.price.amount_minor).toBe('1299');
});
