// Part of the lint gate: the working tree's AsyncAPI document must load (every payload resolves to
// its proto type) and pass the official @asyncapi/parser with the protobuf schema parser. Uses the
// codegen's contract loader, so `herald check` and `herald generate` agree on what is valid.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadContract, validateContract } from '../codegen/contract.ts';
import type { Diagnostic as ContractDiagnostic } from '../codegen/diagnostics.ts';
import { isHeraldError } from '../runtime/core/errors.ts';
import type { Diagnostic } from './diagnostics.ts';

function toLint(d: ContractDiagnostic, file: string): Diagnostic {
  const proto = /^(.+\.proto):(.*)$/.exec(d.path);
  return {
    gate: 'lint',
    severity: d.severity,
    code: `ASYNCAPI_${d.code.replace(/[^a-zA-Z0-9]+/g, '_').toUpperCase()}`,
    path: proto ? { file: path.isAbsolute(proto[1]!) ? proto[1]! : `proto/${proto[1]}`, ...(proto[2] ? { field: proto[2] } : {}) } : { file, ...(d.path && d.path !== '#' ? { field: d.path } : {}) },
    message: d.message,
  };
}

export async function validateAsyncapi(root: string, asyncapiPath = 'asyncapi.yaml'): Promise<Diagnostic[]> {
  if (!existsSync(path.join(root, asyncapiPath))) return [];
  try {
    const contract = await loadContract(root, { asyncapiPath });
    const { diagnostics } = await validateContract(contract);
    // Parser advice such as "a newer AsyncAPI version exists" is not a finding about this change.
    return diagnostics.filter((d) => d.severity !== 'info').map((d) => toLint(d, asyncapiPath));
  } catch (error) {
    const details = isHeraldError(error) ? (error.details as { diagnostics?: ContractDiagnostic[] }).diagnostics : undefined;
    if (details && details.length > 0) return details.filter((d) => d.severity !== 'info').map((d) => toLint(d, asyncapiPath));
    return [{ gate: 'lint', severity: 'error', code: 'ASYNCAPI_INVALID', path: { file: asyncapiPath }, message: error instanceof Error ? error.message : String(error) }];
  }
}
