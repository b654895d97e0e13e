// The in-memory transport passes the conformance suite.
import { createMemoryTransport } from '../memory/transport.ts';
import { transportConformance } from '../../../test/support/transport-conformance.ts';

transportConformance({
  name: 'in-memory',
  features: { persistent: false, takeover: true },
  async open() {
    const memory = createMemoryTransport();
    return {
      createProducer: (channel) => memory.createProducer(channel, { source: 'herald/test' }),
      createConsumer: (channel, options) => memory.createConsumer(channel, options),
      appendRaw: async (stream, flat) => void memory.append(stream, flat),
      deadLetters: async (stream) => memory.read(`${stream}.dlq`).map((letter) => ({ reason: String(letter.fields.get('x-dlq-reason')), streamId: String(letter.fields.get('x-dlq-stream-id')) })),
      abandon: async (stream, group, consumer, count) => memory.abandon(stream, group, consumer, count),
    };
  },
});
