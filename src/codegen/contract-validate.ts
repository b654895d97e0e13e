// Runs the official @asyncapi/parser, with the protobuf schema parser registered, over the bundled
// document and checks that every payload really became the proto message it names. Never throws on
// a bad contract: everything is returned as diagnostics.
import type { Contract } from './contract.ts';
import type { Diagnostic, DiagnosticSeverity } from './diagnostics.ts';

/** @stoplight DiagnosticSeverity: 0 error, 1 warning, 2 information, 3 hint. */
const severities: DiagnosticSeverity[] = ['error', 'warning', 'info', 'info'];

export async function validateContract(contract: Contract): Promise<{ diagnostics: Diagnostic[]; document: unknown }> {
  // Loaded lazily: the parser and its rulesets take a while to import and only validation needs them.
  const [{ Parser }, { ProtoBuffSchemaParser }] = await Promise.all([
    import('@asyncapi/parser'),
    import('@asyncapi/protobuf-schema-parser'),
  ]);
  const parser = new Parser();
  // Without this registration the parser accepts any payload and silently leaves it unparsed.
  parser.registerSchemaParser(ProtoBuffSchemaParser());
  const diagnostics: Diagnostic[] = [...contract.diagnostics];
  const result = await parser.parse(JSON.stringify(contract.bundledDocument, null, 2));
  for (const d of result.diagnostics) {
    diagnostics.push({
      severity: severities[d.severity] ?? 'info',
      path: `#/${d.path.map(String).join('/')}`,
      code: `asyncapi:${String(d.code)}`,
      message: d.message,
    });
  }
  const document = result.document;
  if (document) {
    for (const message of contract.messages) {
      // Matched by x-herald-proto: a message without `name` has none in the parsed model either.
      const parsed = document.allMessages().all().find((m) => m.json()['x-herald-proto'] === message.protoType);
      // A schema in a non-default format comes back wrapped as { schemaFormat, schema }.
      const json = parsed?.payload()?.json() as Record<string, unknown> | undefined;
      const payload = (json && typeof json['schema'] === 'object' ? json['schema'] : json) as Record<string, unknown> | undefined;
      const expected = message.protoType.split('.').pop();
      if (!payload || payload['title'] !== expected || payload['type'] !== 'object') {
        diagnostics.push({
          severity: 'error',
          path: `#/components/messages/${message.name}/payload`,
          code: 'payload-unresolved',
          message: `the official parser did not resolve the payload of ${message.name} to ${message.protoType} (got title ${JSON.stringify(payload?.['title'])})`,
        });
      }
    }
  }
  return { diagnostics, document };
}
