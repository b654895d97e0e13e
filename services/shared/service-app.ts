// The fastify instance every service starts from: pino logging with redaction, trace ids and the
// service name, strict JSON-schema validation (no type coercion, unknown fields refused), error
// mapping, OpenTelemetry HTTP spans, /health, /ready and /metrics.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULT_READINESS, Health, type Probe, type ReadinessThresholds } from './health.ts';
import { registerErrorMapping } from './http-errors.ts';
import { registerJsonBodyParser } from './json-body.ts';
import { loggerOptions } from './logging.ts';
import { ServiceMetrics } from './metrics.ts';
import { registerObservability } from './observability.ts';

export interface ServiceAppOptions {
  service: string;
  roles: readonly string[];
  logLevel: string;
  bodyLimit: number;
  /** Where log lines go (stdout by default); tests capture them here. */
  logStream?: { write(line: string): void };
  /** /ready thresholds (READY_* variables); the documented defaults when absent. */
  readiness?: ReadinessThresholds;
}

export interface ServiceApp {
  app: FastifyInstance;
  metrics: ServiceMetrics;
  health: Health;
  /** Adds a /health and /ready probe (Redis, consumer, relay, ...). */
  addProbe(probe: Probe): void;
}

export async function createServiceApp(options: ServiceAppOptions): Promise<ServiceApp> {
  const app = Fastify({
    logger: loggerOptions(options.service, options.logLevel, options.logStream),
    // Globally unique, so a request id found in any log names one request (fastify's default is req-1, req-2, ... per process).
    genReqId: () => randomUUID(),
    bodyLimit: options.bodyLimit,
    // Bodies are checked exactly as declared: "12" is not an integer, and an unknown field is an error
    // naming the field (fastify's default would silently coerce or drop it).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
  });
  const metrics = new ServiceMetrics();
  const health = new Health(options.readiness ?? DEFAULT_READINESS);
  registerErrorMapping(app);
  registerJsonBodyParser(app);
  await registerObservability(app, metrics);
  health.register(app, { service: options.service, roles: options.roles });
  return { app, metrics, health, addProbe: (probe) => health.add(probe) };
}
