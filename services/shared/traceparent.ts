// W3C Trace Context: parses an incoming `traceparent` and derives this service's span from it.
// It never invents a trace id when a valid one came in: the whole flow must share one trace.
import { randomBytes } from 'node:crypto';

const pattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  traceId: string;
  spanId: string;
  flags: string;
}

export function parseTraceparent(header: unknown): TraceContext | undefined {
  if (typeof header !== 'string') return undefined;
  const match = pattern.exec(header.trim().toLowerCase());
  if (!match || match[1] === 'ff') return undefined;
  const [, , traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags}`;
}

/** A child span of the incoming context, or the root of a new sampled trace. */
export function childTraceparent(incoming: unknown): string {
  const parent = parseTraceparent(incoming);
  return formatTraceparent({
    traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    flags: parent?.flags ?? '01',
  });
}
