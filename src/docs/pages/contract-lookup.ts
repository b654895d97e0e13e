// Who sends and who receives what, read from the contract's operations, for the portal pages.
// It never guesses: a relation exists only where an operation declares it.
import type { Contract, ContractChannel } from '../../codegen/contract.ts';

export function producersOf(contract: Contract, message: string): string[] {
  return unique(contract.operations.filter((o) => o.action === 'send' && o.messages.includes(message)).map((o) => o.service));
}

export function consumersOf(contract: Contract, message: string): string[] {
  return unique(contract.operations.filter((o) => o.action === 'receive' && o.messages.includes(message)).map((o) => o.service));
}

export function channelsOf(contract: Contract, message: string): ContractChannel[] {
  return contract.channels.filter((c) => c.messages.includes(message));
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}
