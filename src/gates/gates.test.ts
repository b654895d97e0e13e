// Verdicts of `herald check` on small edits to this repository's real contract: each incompatible change
// must fail and be named (gate, id, consumer, reader); each compatible one must pass. Real buf, real git.
import { afterAll, describe, expect, it } from 'vitest';
import { allowList, baseEdits, combine, edits, movieProto } from '../../test/fixtures/gates/edits.ts';
import { createContractRepo, syncManagedSchemas, type ContractEdit, type ContractRepo } from '../../test/support/contract-repo.ts';
import type { Diagnostic } from './diagnostics.ts';
import { diagnosticIds, isBlocking } from './diagnostics.ts';
import { renderReport } from './report.ts';
import { runCheck } from './run-check.ts';

/** Passing cases also run lint (the official parser must accept the edited contract) and the managed-schema check; failing ones skip their ~1 s. */
const staticGates = ['lint', 'generated', 'breaking', 'asyncapi'];
const compareGates = ['breaking', 'asyncapi'];

interface Expected { gate: string; id: string; consumers?: string[]; text?: string[] }
interface Case { name: string; base?: ContractEdit; edit: ContractEdit; verdict: 'fail' | 'pass'; expect?: Expected[]; shows?: string[] }

const cases: Case[] = [
  { name: 'a field type changed', edit: edits.fieldTypeChanged, verdict: 'fail', expect: [
    { gate: 'breaking', id: 'FIELD_WIRE_JSON_COMPATIBLE_TYPE:herald.catalog.movie.v1.Movie.title#2:string->int32@main', consumers: ['sales'],
      text: ['It breaks sales, which reads movie.title (pacts/sales-catalog.json)'] },
    { gate: 'asyncapi', id: 'PAYLOAD_INCOMPATIBLE:catalogMovie.MovieCreated@main', consumers: ['sales'] },
  ] },
  { name: 'a field deleted without reserving it', edit: edits.fieldDeleted, verdict: 'fail', expect: [
    { gate: 'breaking', id: 'FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED:herald.catalog.movie.v1.MovieRetired.reason#3@main', consumers: ['sales'],
      text: ['No known reader: the pacts of sales do not read it'] },
  ] },
  { name: 'a field renumbered', edit: edits.fieldRenumbered, verdict: 'fail', expect: [
    { gate: 'breaking', id: 'FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED:herald.catalog.movie.v1.Movie.release_year#5@main', consumers: ['sales'],
      text: ['"release_year" on message "Movie" was renumbered from 5 to 7'] },
  ] },
  { name: 'an enum value removed', edit: edits.enumValueRemoved, verdict: 'fail', expect: [
    { gate: 'breaking', id: 'ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED:herald.catalog.movie.v1.MovieStatus.MOVIE_STATUS_RETIRED=2@main', consumers: ['sales'],
      text: ['sales, which reads movie.status'] },
  ] },
  { name: 'a field moved into a oneof', edit: edits.titleIntoOneof, verdict: 'fail', expect: [
    { gate: 'breaking', id: 'FIELD_SAME_ONEOF:herald.catalog.movie.v1.Movie.title#2:outside->inside@main', consumers: ['sales'] },
    { gate: 'asyncapi', id: 'PAYLOAD_INCOMPATIBLE:catalogMovie.MovieUpdated@main', consumers: ['sales'] },
  ] },
  { name: 'a map value retyped, named by its top-level messages', base: baseEdits.withLabels, edit: edits.labelsValueRetyped, verdict: 'fail', expect: [
    { gate: 'breaking', id: 'FIELD_WIRE_JSON_COMPATIBLE_TYPE:herald.catalog.movie.v1.Movie.LabelsEntry.value#2:string->int32@main', consumers: ['sales'],
      text: ['messages: MovieCreated, MovieUpdated', 'No known reader'] },
    { gate: 'asyncapi', id: 'PAYLOAD_INCOMPATIBLE:catalogMovie.MovieCreated@main', consumers: ['sales'] },
  ] },
  { name: 'a reserved range removed, printed as a range', base: baseEdits.withReservedRange, edit: edits.reservedRangeRemoved, verdict: 'fail', expect: [
    { gate: 'breaking', id: 'RESERVED_MESSAGE_NO_DELETE:herald.catalog.movie.v1.Movie.reserved[8-9]@main', consumers: ['sales'] },
  ] },
  { name: 'a field a consumer reads deleted and reserved (wire-safe)', edit: edits.titleDeletedAndReserved, verdict: 'fail', expect: [
    { gate: 'asyncapi', id: 'FIELD_REMOVED_WHILE_READ:herald.catalog.movie.v1.Movie.title#2@main', consumers: ['sales'], text: ['sales, which reads movie.title'] },
  ] },
  { name: 'a message removed from a channel', edit: edits.messageRemovedFromChannel, verdict: 'fail', expect: [
    { gate: 'asyncapi', id: 'MESSAGE_REMOVED_FROM_CHANNEL:catalogMovie.MovieRetired@main', consumers: ['sales'] },
  ] },
  { name: 'a message removed from a consumer\'s receive operation only', edit: edits.receiveMessageRemoved, verdict: 'fail', expect: [
    { gate: 'asyncapi', id: 'RECEIVE_MESSAGE_REMOVED:projectMovieEvents.MovieRetired@main', consumers: ['sales'], text: ['dead-letter'] },
  ] },
  { name: 'a receive operation removed while its channel stays', edit: edits.receiveOperationRemoved, verdict: 'fail', expect: [
    { gate: 'asyncapi', id: 'RECEIVE_OPERATION_REMOVED:reportPurchases@main', consumers: ['reporting'] },
  ] },
  { name: 'a receive operation turned into a send (left to @asyncapi/diff, not softened)', edit: (f) => f.yaml((doc) => doc.setIn(['operations', 'projectMovieEvents', 'action'], 'send')), verdict: 'fail', expect: [
    { gate: 'asyncapi', id: 'ASYNCAPI_BREAKING:/operations/projectMovieEvents/action@main' },
  ] },
  { name: 'a channel renamed (address changed)', edit: edits.channelAddressChanged, verdict: 'fail', expect: [
    { gate: 'asyncapi', id: 'CHANNEL_ADDRESS_CHANGED:catalogMovie:catalog.movie.v1->catalog.movies.v1@main', consumers: ['sales'] },
  ] },
  { name: 'a channel\'s partition count changed', edit: (f) => f.yaml((doc) => doc.setIn(['channels', 'catalogMovie', 'x-herald-partitions'], 4)), verdict: 'fail', expect: [
    { gate: 'asyncapi', id: 'CHANNEL_PARTITIONS_CHANGED:catalogMovie:partitions:1->4@main', consumers: ['sales'] },
  ] },
  { name: 'a channel removed', edit: edits.channelRemoved, verdict: 'fail', expect: [
    { gate: 'asyncapi', id: 'CHANNEL_REMOVED:salesPurchase:sales.purchase.v1@main', consumers: ['reporting'] },
  ] },
  { name: 'a required header added', edit: edits.requiredHeaderAdded, verdict: 'fail', expect: [
    { gate: 'asyncapi', id: 'HEADER_REQUIRED_ADDED:catalogMovie.MovieCreated.headers.tenant@main', consumers: ['sales'] },
    { gate: 'asyncapi', id: 'HEADER_REQUIRED_ADDED:salesPurchase.PurchaseCompleted.headers.tenant@main', consumers: ['reporting'] },
  ] },
  { name: 'an optional field added', edit: edits.optionalFieldAdded, verdict: 'pass' },
  { name: 'a field no consumer reads deleted and reserved', edit: edits.releaseYearDeletedAndReserved, verdict: 'pass' },
  { name: 'a new message on a channel', edit: edits.newMessage, verdict: 'pass' },
  { name: 'a new channel', edit: edits.newChannel, verdict: 'pass' },
  { name: 'a new enum value', edit: edits.newEnumValue, verdict: 'pass' },
  { name: 'a documentation change', edit: edits.docChange, verdict: 'pass' },
  { name: 'a new v2 package beside v1, shown as a versioned break', edit: edits.v2Package, verdict: 'pass',
    shows: ['VERSIONED', 'catalogMovieV2', 'new major version beside "catalogMovie"'] },
  { name: 'an allow-listed break: one entry covers the buf finding and its AsyncAPI restatement', verdict: 'pass',
    edit: combine(edits.fieldTypeChanged, allowList({ id: 'FIELD_WIRE_JSON_COMPATIBLE_TYPE:herald.catalog.movie.v1.Movie.title#2:string->int32@main', reason: 'No event with a title has been published yet; agreed with Sales in review.' })),
    shows: ['ALLOWED  proto/herald/catalog/movie/v1/movie.proto:20', 'No event with a title has been published yet'] },
];

const repos: ContractRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

function repoWith(edit: ContractEdit, base?: ContractEdit): ContractRepo {
  const repo = createContractRepo(base ? { base } : {});
  repos.push(repo);
  repo.edit(edit);
  return repo;
}

describe('herald check verdicts on edits of the real contract', () => {
  it.each(cases)('$verdict: $name', async ({ base, edit, verdict, expect: expected = [], shows = [] }) => {
    const repo = repoWith(edit, base);
    // A passing change is judged as it would be committed: after `herald generate` refreshed the managed schemas.
    if (verdict === 'pass') await syncManagedSchemas(repo.root);
    const report = await runCheck({ root: repo.root, gates: verdict === 'pass' ? staticGates : compareGates });
    const all = report.gates.flatMap((g) => g.diagnostics);
    const blocking = all.filter(isBlocking);
    const text = renderReport(report, 'text');
    expect(report.baselines.join()).toMatch(/^main \(/);
    for (const s of shows) expect(text).toContain(s);
    if (verdict === 'pass') {
      expect(blocking, text).toEqual([]);
      expect(report.ok).toBe(true);
      return;
    }
    expect(report.ok, text).toBe(false);
    // Every break has its own id: no two findings share one.
    const ids = all.filter((d) => !d.causes && d.severity !== 'info').flatMap(diagnosticIds);
    expect(new Set(ids).size, ids.join('\n')).toBe(ids.length);
    for (const e of expected) {
      const hit = blocking.find((d) => d.gate === e.gate && diagnosticIds(d).includes(e.id) && (!e.consumers || e.consumers.every((c) => d.consumers?.includes(c))));
      expect(hit, `${e.gate} ${e.id}\n${text}`).toBeDefined();
      // The person-facing report names the gate, the id, the consumer and the reader.
      expect(text).toContain(`[${e.gate}] FAILED`);
      if (!hit!.causes) expect(text).toContain(`[id ${e.id}]`);
      for (const c of e.consumers ?? []) expect(text).toMatch(new RegExp(`consumers affected: .*\\b${c}\\b`));
      for (const t of e.text ?? []) expect(text).toContain(t);
    }
  });

  it('allows one change only: a leftover entry does not cover a new break of the same message', async () => {
    const entry = 'FIELD_WIRE_JSON_COMPATIBLE_TYPE:herald.catalog.movie.v1.Movie.title#2:string->int32@main';
    const repo = repoWith(combine(edits.releaseYearTypeChanged, allowList({ id: entry, reason: 'Reviewed earlier, for the title change.' })));
    const report = await runCheck({ root: repo.root, gates: compareGates });
    expect(report.ok).toBe(false);
    const blocking = report.gates.flatMap((g) => g.diagnostics).filter(isBlocking);
    expect(blocking.map((d) => d.code).sort()).toEqual(['FIELD_WIRE_JSON_COMPATIBLE_TYPE', 'PAYLOAD_INCOMPATIBLE', 'PAYLOAD_INCOMPATIBLE']);
    expect(report.notes.join()).toContain(`"${entry}" matches no finding`);
  });

  it('refuses wildcard allow-list entries', async () => {
    const repo = repoWith(combine(edits.fieldTypeChanged, allowList({ id: 'FIELD_WIRE_JSON_COMPATIBLE_TYPE:*', reason: 'Too broad to review.' })));
    await expect(runCheck({ root: repo.root, gates: ['breaking'] })).rejects.toThrow(/wildcard/);
  });

  it('fails again once an allow-list entry has expired, and says so', async () => {
    const id = 'FIELD_WIRE_JSON_COMPATIBLE_TYPE:herald.catalog.movie.v1.Movie.title#2:string->int32@main';
    const repo = repoWith(combine(edits.fieldTypeChanged, allowList({ id, reason: 'Temporary, until consumers migrate.', until: '2026-01-31' })));
    const report = await runCheck({ root: repo.root, gates: ['breaking'], today: '2026-02-01' });
    expect(report.ok).toBe(false);
    expect(report.notes.join()).toMatch(/expired on 2026-01-31/);
  });

  it('writes GitHub annotations and JSON that machines can read', async () => {
    const report = await runCheck({ root: repoWith(edits.fieldTypeChanged).root, gates: compareGates });
    const github = renderReport(report, 'github');
    expect(github).toMatch(/^::error file=proto\/herald\/catalog\/movie\/v1\/movie.proto,line=20,title=herald check \(breaking\) FIELD_WIRE_JSON_COMPATIBLE_TYPE::Field "2" with name "title"/m);
    expect(github).toMatch(/^::error file=asyncapi.yaml,line=\d+,title=herald check \(asyncapi\) PAYLOAD_INCOMPATIBLE::.*Consumers affected: sales/m);
    const json = JSON.parse(renderReport(report, 'json')) as { ok: boolean; gates: { gate: string; status: string }[] };
    expect(json.ok).toBe(false);
    expect(json.gates.map((g) => `${g.gate}:${g.status}`)).toEqual(['breaking:failed', 'asyncapi:failed']);
  });

  it('names the .proto line, the messages and the consumers of a package rename', async () => {
    const rename = (f: Parameters<typeof edits.fieldTypeChanged>[0]) => {
      for (const file of ['proto/herald/common/v1/money.proto', movieProto, 'proto/herald/sales/purchase/v1/events.proto']) {
        f.write(file, f.read(file).replace(/herald\.common\.v1/g, 'herald.common.money.v1'));
      }
    };
    const report = await runCheck({ root: repoWith(rename).root, gates: ['breaking'] });
    const finding = report.gates[0]!.diagnostics.find((d) => d.code === 'FILE_SAME_PACKAGE');
    expect(finding).toMatchObject({ path: { file: 'proto/herald/common/v1/money.proto', line: 3 }, consumers: ['reporting', 'sales'] });
    expect(finding!.messages).toEqual(expect.arrayContaining(['MovieCreated', 'MovieUpdated', 'PurchaseCompleted']));
    expect(diagnosticIds(finding!)).toEqual(['FILE_SAME_PACKAGE:proto/herald/common/v1/money.proto:herald.common.v1->herald.common.money.v1@main']);
  });

  it('says a wire-safe deletion has no known reader, and lets it pass', async () => {
    const report = await runCheck({ root: repoWith(edits.releaseYearDeletedAndReserved).root, gates: compareGates });
    const finding = report.gates.flatMap((g) => g.diagnostics).find((d: Diagnostic) => d.code === 'FIELD_REMOVED_WHILE_READ');
    expect(finding).toMatchObject({ severity: 'info', path: { file: movieProto, type: 'herald.catalog.movie.v1.Movie', field: 'release_year' } });
    expect(finding!.message).toContain('No known reader: the pacts of sales do not read it.');
  });
});

describe('generated gate', () => {
  it('refuses a stale generated/ and still names the break it would hide', async () => {
    const repo = createContractRepo({ paths: ['asyncapi.yaml', 'buf.yaml', 'proto', 'pacts', 'generated'] });
    repos.push(repo);
    const fresh = await runCheck({ root: repo.root, gates: ['generated'] });
    expect(fresh.ok, renderReport(fresh, 'text')).toBe(true);
    repo.edit(edits.titleDeletedAndReserved);
    const report = await runCheck({ root: repo.root, gates: ['generated', 'breaking', 'asyncapi'] });
    expect(report.ok).toBe(false);
    const blocking = report.gates.flatMap((g) => g.diagnostics).filter(isBlocking);
    expect(blocking.map((d) => d.code).sort()).toEqual(['FIELD_REMOVED_WHILE_READ', 'GENERATED_STALE', 'MANAGED_SCHEMA_STALE']);
    const text = renderReport(report, 'text');
    expect(text).toMatch(/generated\/ is stale against the contract: \d+ file\(s\) differ \(.*\(changed\)/);
    expect(text).toContain('sales, which reads movie.title');
  });
});

describe('lint gate', () => {
  it('reports an AsyncAPI message whose proto type does not exist, with the official parser\'s verdict', async () => {
    const repo = repoWith((f) => f.replace('asyncapi.yaml', 'x-herald-proto: herald.catalog.movie.v1.MovieRetired', 'x-herald-proto: herald.catalog.movie.v1.MovieRetire'));
    const report = await runCheck({ root: repo.root, gates: ['lint'] });
    expect(report.ok).toBe(false);
    expect(report.gates[0]!.diagnostics.filter(isBlocking).map((d) => d.message).join('\n')).toMatch(/MovieRetire\b/);
  });
});
