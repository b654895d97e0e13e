// Emits generated/channels/<channel>.ts: the channel definition (address, messages, codecs, dataschema)
// and its event and handler types. Producers and consumers come from the service facades
// (emit-services.ts), the one way in; no transport logic here.
import type { Contract, ContractChannel } from './contract.ts';
import { protoOutputPath, camelCase, channelOutputPath, pascalCase, propertyKey, quote, relativeImport, tsTypeName, qualifiedAlias } from './ts-names.ts';
import { jsDoc, TsFile } from './ts-file.ts';
import { fileOf, isMessageType } from './proto-model.ts';

export interface ChannelNames {
  /** The channel const, `catalogMovie`. */
  constName: string;
  /** `CatalogMovie`, the stem of the type and factory names. */
  stem: string;
}

export function channelNames(channel: ContractChannel): ChannelNames {
  return { constName: camelCase(channel.id), stem: pascalCase(channel.id) };
}

export function emitChannelFile(contract: Contract, channel: ContractChannel, importExtension: string): TsFile {
  const path = channelOutputPath(channel.id);
  const { constName, stem } = channelNames(channel);
  const declared = [constName, `${stem}Channel`, `${stem}Event`, `${stem}Handlers`];
  const file = new TsFile(path, declared);
  const runtime = (name: string, typeOnly = false): string => file.use('herald/runtime', name, { typeOnly });
  const entries: string[] = [];
  for (const name of channel.messages) {
    const message = contract.messages.find((m) => m.name === name);
    if (!message) continue;
    const type = contract.protoRoot.lookup(message.protoType);
    if (!isMessageType(type)) continue;
    const module = relativeImport(path, protoOutputPath(fileOf(type, contract.protoDir)), importExtension);
    const codec = file.use(module, tsTypeName(type), { alias: qualifiedAlias(type) });
    entries.push(
      `    ${propertyKey(name)}: {`,
      `      name: ${quote(name)},`,
      `      type: ${quote(message.protoType)},`,
      `      dataschema: ${quote(message.dataschema)},`,
      `      codec: ${codec},`,
      '    },',
    );
  }
  const channelType = `${stem}Channel`;
  file.add(
    jsDoc([channel.title, '', channel.description, '', `@generated from channel ${channel.id} (address ${channel.address})`]),
    `export const ${constName} = ${runtime('defineChannel')}({`,
    `  id: ${quote(channel.id)},`,
    `  address: ${quote(channel.address)},`,
    ...(channel.partitions ? [`  partitions: ${channel.partitions},`] : []),
    '  messages: {',
    ...entries,
    '  },',
    '});',
    '',
    `export type ${channelType} = typeof ${constName};`,
    '',
    `/** One event received from {@link ${constName}}, discriminated by \`name\`. */`,
    `export type ${stem}Event = ${runtime('ChannelEvent', true)}<${channelType}>;`,
    '',
    `/** One handler per message of {@link ${constName}}: the compiler insists on every one. */`,
    `export type ${stem}Handlers = ${runtime('ChannelHandlers', true)}<${channelType}>;`,
  );
  return file;
}
