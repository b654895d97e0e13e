// The google.protobuf well-known types that need more than the generic codec: Timestamp becomes a Date,
// and FieldMask, Duration and the wrappers have special proto3 JSON forms. Everything else is plain.
import type { Refs } from './field-plan.ts';

interface JsonOverride {
  toJSON(refs: Refs): string[];
  fromJSON(refs: Refs, name: string): string[];
}

/** A wrapper (Int64Value, StringValue, ...) is its bare value in JSON. */
function wrapper(name: string, reader: string, extraArgs: string, write: (refs: Refs) => string): [string, JsonOverride] {
  const typeName = `google.protobuf.${name}`;
  return [
    typeName,
    {
      toJSON: (refs) => [`return ${write(refs)};`],
      fromJSON: (refs, codec) => [`return ${codec}.create({ value: ${refs.support(reader)}(json, '${typeName}'${extraArgs}) });`],
    },
  ];
}

/** Proto3 JSON of well-known types whose JSON is not their plain message form. */
export const jsonOverrides: Record<string, JsonOverride> = {
  'google.protobuf.FieldMask': {
    // Paths are snake_case in the message and lowerCamelCase, comma-separated, in JSON.
    toJSON: () => [`return message.paths.map((path) => path.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())).join(',');`],
    fromJSON: (refs, name) => [
      `const text = ${refs.support('readString')}(json, 'google.protobuf.FieldMask');`,
      `const paths = text === '' ? [] : text.split(',').map((path) => path.replace(/[A-Z]/g, (c) => \`_\${c.toLowerCase()}\`));`,
      `return ${name}.create({ paths });`,
    ],
  },
  'google.protobuf.Duration': {
    toJSON: () => [
      "const sign = message.seconds < 0n || message.nanos < 0 ? '-' : '';",
      'const seconds = message.seconds < 0n ? -message.seconds : message.seconds;',
      "const nanos = Math.abs(message.nanos).toString().padStart(9, '0').replace(/0+$/, '');",
      "return `${sign}${seconds}${nanos ? `.${nanos}` : ''}s`;",
    ],
    fromJSON: (refs, name) => [
      `const text = ${refs.support('readString')}(json, 'google.protobuf.Duration');`,
      "const match = /^(-)?(\\d+)(?:\\.(\\d{1,9}))?s$/.exec(text);",
      "if (!match) throw new TypeError('google.protobuf.Duration: expected a duration like \"1.5s\"');",
      "const sign = match[1] ? -1 : 1;",
      "const nanos = Number((match[3] ?? '').padEnd(9, '0'));",
      `return ${name}.create({ seconds: BigInt(sign) * BigInt(match[2]!), nanos: sign * nanos });`,
    ],
  },
  ...Object.fromEntries([
    wrapper('DoubleValue', 'readNumber', ', false', (r) => `${r.support('floatToJson')}(message.value)`),
    wrapper('FloatValue', 'readNumber', ', false', (r) => `${r.support('floatToJson')}(message.value)`),
    wrapper('Int64Value', 'readBigint', '', () => 'message.value.toString()'),
    wrapper('UInt64Value', 'readBigint', '', () => 'message.value.toString()'),
    wrapper('Int32Value', 'readNumber', ', true', () => 'message.value'),
    wrapper('UInt32Value', 'readNumber', ', true', () => 'message.value'),
    wrapper('BoolValue', 'readBool', '', () => 'message.value'),
    wrapper('StringValue', 'readString', '', () => 'message.value'),
    wrapper('BytesValue', 'readBytes', '', (r) => `${r.support('base64FromBytes')}(message.value)`),
  ]),
};

/** The whole body of generated google/protobuf/timestamp.ts: a codec of `Date`. */
export function timestampCodec(refs: Refs): string {
  return `/**
 * A point in time, independent of any time zone, as a JavaScript \`Date\`.
 *
 * Decoding truncates nanoseconds to milliseconds (the precision of \`Date\`); encoding writes whole
 * milliseconds. The JSON form is RFC 3339 in UTC, as \`Date.prototype.toISOString\` prints it.
 *
 * @generated from message google.protobuf.Timestamp
 */
export const Timestamp: MessageCodec<Date> = {
  typeName: 'google.protobuf.Timestamp',

  create(init?: Date): Date {
    return new Date(init ? init.getTime() : 0);
  },

  encode(message: Date, writer: Writer = Writer.create()): Writer {
    const millis = message.getTime();
    const seconds = Math.floor(millis / 1000);
    const nanos = (millis - seconds * 1000) * 1_000_000;
    if (seconds !== 0) writer.uint32(8).int64(${refs.support('longFromBigint')}(BigInt(seconds), false));
    if (nanos !== 0) writer.uint32(16).int32(nanos);
    return writer;
  },

  decode(input: Reader | Uint8Array, length?: number): Date {
    const reader = input instanceof Reader ? input : Reader.create(input);
    const end = length === undefined ? reader.len : reader.pos + length;
    let seconds = 0n;
    let nanos = 0;
    while (reader.pos < end) {
      const tag = reader.uint32();
      switch (tag >>> 3) {
        case 1:
          seconds = ${refs.support('bigintFromLong')}(reader.int64(), false);
          break;
        case 2:
          nanos = reader.int32();
          break;
        default:
          reader.skipType(tag & 7);
      }
    }
    return new Date(Number(seconds) * 1000 + Math.floor(nanos / 1_000_000));
  },

  toJSON(message: Date): JsonValue {
    return message.toISOString();
  },

  fromJSON(json: JsonValue): Date {
    // The message form { seconds, nanos } too: the official AsyncAPI protobuf parser's schema describes that one.
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
      const seconds = ${refs.support('readBigint')}(${refs.support('readField')}(json, 'seconds', 'seconds') ?? 0, 'google.protobuf.Timestamp.seconds');
      const nanos = ${refs.support('readNumber')}(${refs.support('readField')}(json, 'nanos', 'nanos') ?? 0, 'google.protobuf.Timestamp.nanos', true);
      return new Date(Number(seconds) * 1000 + Math.floor(nanos / 1_000_000));
    }
    const date = new Date(${refs.support('readString')}(json, 'google.protobuf.Timestamp'));
    if (Number.isNaN(date.getTime())) throw new TypeError('google.protobuf.Timestamp: expected an RFC 3339 date-time');
    return date;
  },
};`;
}
