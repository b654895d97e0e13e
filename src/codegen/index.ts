// Public entry of `herald/codegen`: the contract model and the generator, for gates, docs and tools.
// Re-exports only; no logic lives here.
export { loadContract, validateContract, sha256Hex } from './contract.ts';
export type { Contract, ContractChannel, ContractMessage, ContractOperation, ContractService, ProtoFieldInfo } from './contract.ts';
export { managedSchemaMarker, syncManagedBlocks } from './contract-schemas.ts';
export type { ManagedBlock, ManagedSync } from './contract-schemas.ts';
export type { Diagnostic, DiagnosticSeverity } from './diagnostics.ts';
export { formatDiagnostics, hasErrors } from './diagnostics.ts';
