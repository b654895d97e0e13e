// The message and enum types a payload uses, each as a small table, read from the contract's
// protobufjs root. Well-known google.protobuf types are named, not expanded. Read-only.
import protobuf from 'protobufjs';
import type { Contract } from '../../codegen/contract.ts';
import { html, type SafeHtml } from '../html.ts';

export function typeAnchor(fullName: string): string {
  return `type-${fullName.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

function strip(fullName: string): string {
  return fullName.replace(/^\./, '');
}

/** Types reachable from `rootType` through its fields, in first-use order, `rootType` excluded. */
export function nestedTypes(contract: Contract, rootType: string): (protobuf.Type | protobuf.Enum)[] {
  const seen = new Set<string>([rootType]);
  const out: (protobuf.Type | protobuf.Enum)[] = [];
  const visit = (type: protobuf.Type) => {
    for (const field of type.fieldsArray) {
      const resolved = field.resolve().resolvedType;
      if (!resolved) continue;
      const name = strip(resolved.fullName);
      if (seen.has(name)) continue;
      seen.add(name);
      if (name.startsWith('google.protobuf.')) continue;
      out.push(resolved);
      if (resolved instanceof protobuf.Type) visit(resolved);
    }
  };
  try {
    visit(contract.protoRoot.lookupType(rootType));
  } catch {
    return [];
  }
  return out;
}

function typeCell(field: protobuf.Field): SafeHtml {
  const resolved = field.resolvedType ? strip(field.resolvedType.fullName) : undefined;
  const name = resolved ?? field.type;
  const label = field.repeated ? 'repeated ' : field.options?.['proto3_optional'] ? 'optional ' : '';
  const link = resolved && !resolved.startsWith('google.protobuf.') ? html`<a href="#${typeAnchor(resolved)}">${name}</a>` : html`${name}`;
  return html`<code>${label}${link}</code>`;
}

export function nestedTypeTables(contract: Contract, rootType: string): SafeHtml {
  const types = nestedTypes(contract, rootType);
  if (types.length === 0) return html``;
  return html`<h2>Types it uses</h2>${types.map((type) => {
    const name = strip(type.fullName);
    if (type instanceof protobuf.Enum) {
      return html`<h3 id="${typeAnchor(name)}"><span class="badge badge-info">enum</span> <code>${name}</code></h3>${type.comment ? html`<p class="note">${type.comment}</p>` : ''}
<table><thead><tr><th>#</th><th>Value</th><th>Description</th></tr></thead><tbody>${Object.entries(type.values).map(
        ([value, number]) => html`<tr><td class="num">${number}</td><td><code>${value}</code></td><td>${type.comments[value] ?? ''}</td></tr>`,
      )}</tbody></table>`;
    }
    return html`<h3 id="${typeAnchor(name)}"><span class="badge">message</span> <code>${name}</code></h3>${type.comment ? html`<p class="note">${type.comment}</p>` : ''}
<table><thead><tr><th>#</th><th>Field</th><th>Type</th><th>Description</th></tr></thead><tbody>${type.fieldsArray.map(
      (field) => html`<tr><td class="num">${field.id}</td><td><code>${field.name}</code></td><td>${typeCell(field)}</td><td>${field.comment ?? ''}</td></tr>`,
    )}</tbody></table>`;
  })}`;
}
