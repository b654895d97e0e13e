// Emits generated/services/<service>.ts from the AsyncAPI operations of one `x-herald-service`: producers
// only for what it sends, an exhaustive consumer for each channel it receives. Never adds a capability
// the operations do not grant.
import { channelNames } from './emit-channels.ts';
import type { Contract, ContractChannel, ContractService } from './contract.ts';
import { jsDoc, TsFile } from './ts-file.ts';
import { channelOutputPath, pascalCase, propertyKey, quote, relativeImport, serviceOutputPath } from './ts-names.ts';

export function serviceNames(service: string): { interfaceName: string; factory: string } {
  const stem = pascalCase(service);
  const interfaceName = stem.endsWith('Service') ? stem : `${stem}Service`;
  return { interfaceName, factory: `create${interfaceName}` };
}

export function emitServiceFile(contract: Contract, service: ContractService, importExtension: string): TsFile {
  const path = serviceOutputPath(service.name);
  const { interfaceName, factory } = serviceNames(service.name);
  const file = new TsFile(path, [interfaceName, factory]);
  const runtime = (name: string, typeOnly = true): string => file.use('herald/runtime', name, { typeOnly });
  const fromChannel = (channel: ContractChannel, name: string, typeOnly = false): string =>
    file.use(relativeImport(path, channelOutputPath(channel.id), importExtension), name, { typeOnly });
  const ops = contract.operations.filter((o) => o.service === service.name);
  const channelById = (id: string): ContractChannel | undefined => contract.channels.find((c) => c.id === id);

  const narrowed: string[] = [];
  const producerTypes: string[] = [];
  const producerValues: string[] = [];
  for (const channel of service.sends.map(channelById).filter((c): c is ContractChannel => !!c)) {
    const names = channelNames(channel);
    const sendOps = ops.filter((o) => o.action === 'send' && o.channel === channel.id);
    const sent = [...new Set(sendOps.flatMap((o) => o.messages))].sort();
    const channelConst = fromChannel(channel, names.constName);
    let channelType = fromChannel(channel, `${names.stem}Channel`, true);
    let channelValue = channelConst;
    if (sent.length < channel.messages.length) {
      // The operations grant only some of the channel's messages: the producer gets a narrowed channel.
      channelValue = `${names.constName}Sent`;
      channelType = `typeof ${channelValue}`;
      narrowed.push(
        `/** {@link ${channelConst}} narrowed to the messages ${service.name} sends (${sendOps.map((o) => o.id).join(', ')}). */`,
        `const ${channelValue} = ${file.use('herald/runtime', 'defineChannel')}({`,
        `  ...${channelConst},`,
        `  messages: { ${sent.map((m) => `${propertyKey(m)}: ${channelConst}.messages${/^[A-Za-z_$][\w$]*$/.test(m) ? `.${m}` : `[${quote(m)}]`}`).join(', ')} },`,
        '});',
        '',
      );
    }
    const doc = sendOps.map((o) => `${o.title ?? o.id} (operation ${o.id}).`).join(' ');
    producerTypes.push(jsDoc([doc], '    '), `    readonly ${names.constName}: ${runtime('Producer')}<${channelType}>;`);
    producerValues.push(`      ${names.constName}: ${file.use('herald/runtime', 'createProducer')}(redis, ${channelValue}, producerOptions),`);
  }

  const consumerTypes: string[] = [];
  const consumerValues: string[] = [];
  for (const channel of service.receives.map(channelById).filter((c): c is ContractChannel => !!c)) {
    const names = channelNames(channel);
    const receiveOps = ops.filter((o) => o.action === 'receive' && o.channel === channel.id);
    const channelType = fromChannel(channel, `${names.stem}Channel`, true);
    const channelConst = fromChannel(channel, names.constName);
    const doc = receiveOps.map((o) => `${o.title ?? o.id} (operation ${o.id}).`).join(' ');
    consumerTypes.push(
      jsDoc([doc, '', `Handlers must cover every message on ${channel.address}. Options not given here come from the`, `facade's \`consumer\` options; the group defaults to \`${service.name}\`.`], '  '),
      `  consume${names.stem}(`,
      `    options: Omit<${runtime('ConsumerOptions')}<${channelType}>, 'group'> & { group?: string },`,
      `  ): ${runtime(channel.partitions ? 'PartitionedConsumer' : 'Consumer')}<${channelType}>;`,
    );
    consumerValues.push(
      `    consume${names.stem}: (consumerOptions) =>`,
      `      ${runtime(channel.partitions ? 'createPartitionedConsumer' : 'createConsumer', false)}(redis, ${channelConst}, { ...consumerDefaults, ...consumerOptions, group: consumerOptions.group ?? consumerDefaults.group ?? ${quote(service.name)} }),`,
    );
  }

  const sends = service.sends.length ? `sends to ${service.sends.join(', ')}` : 'sends nothing';
  const receives = service.receives.length ? `receives from ${service.receives.join(', ')}` : 'receives nothing';
  file.add(
    ...narrowed,
    jsDoc([
      `The ${service.name} service as the AsyncAPI operations describe it: it ${sends} and ${receives}.`,
      'It can publish only what its send operations name.',
      '',
      `@generated from operations ${ops.map((o) => o.id).join(', ')}`,
    ]),
    `export interface ${interfaceName} {`,
    '  /** One producer per channel this service sends to. */',
    producerTypes.length ? '  readonly producers: {' : '  readonly producers: Record<never, never>;',
    ...(producerTypes.length ? [...producerTypes, '  };'] : []),
    ...consumerTypes,
    '}',
    '',
    jsDoc([
      `Wires {@link ${interfaceName}} to a Redis connection: the one way into the generated SDK.`,
      `\`options.producer\` goes to every producer (events carry source \`herald/${service.name}\` unless it says otherwise),`,
      '`options.consumer` holds defaults for every consumer.',
    ]),
    `export function ${factory}(`,
    `  redis: ${runtime('RedisConnection')},`,
    `  options: ${runtime('ServiceOptions')} = {},`,
    `): ${interfaceName} {`,
    ...(producerValues.length
      ? [`  const producerOptions: ${runtime('ProducerOptions')} = { ...options.producer, source: options.producer?.source ?? ${quote(`herald/${service.name}`)} };`]
      : []),
    ...(consumerValues.length ? ['  const consumerDefaults = options.consumer ?? {};'] : []),
    '  return {',
    ...(producerValues.length ? ['    producers: {', ...producerValues, '    },'] : ['    producers: {},']),
    ...consumerValues,
    '  };',
    '}',
  );
  return file;
}
