// Every gate `herald check` runs, in report order. A new gate is one file exporting a Gate plus one
// line here; the runner, the report, the CLI and the allow-list know gates only through this list.
import { asyncapiGate } from './asyncapi-diff.ts';
import { breakingGate } from './buf-breaking.ts';
import { lintGate } from './buf-lint.ts';
import type { Gate } from './gate.ts';
import { generatedGate } from './generated-fresh.ts';
import { pactGate } from './pact.ts';

export const registry: readonly Gate[] = [lintGate, generatedGate, breakingGate, asyncapiGate, pactGate];

export const gateNames: readonly string[] = registry.map((g) => g.name);

export function gateByName(name: string): Gate | undefined {
  return registry.find((g) => g.name === name);
}
