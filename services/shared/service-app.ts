// The fastify instance both services start from: pino logging with redaction, strict JSON-schema
// validation (no type coercion, unknown fields refused), error mapping, /health and /metrics.
import Fastify, { type FastifyInstance } from 'fastify';
import { registerErrorMapping } from './http-errors.ts';
import { registerJsonBodyParser } from './json-body.ts';
import { loggerOptions } from './logging.ts';
import { MetricsRegistry } from './metrics.ts';
import { registerObservability, type HealthCheck } from './observability.ts';

export interface ServiceAppOptions {
  service: string;
  roles: readonly string[];
  logLevel: string;
  bodyLimit: number;
  /** Where log lines go (stdout by default); tests capture them here. */
  logStream?: { write(line: string): void };
}

export interface ServiceApp {
  app: FastifyInstance;
  metrics: MetricsRegistry;
  /** Adds a /health check (Redis, consumer, ...). */
  addHealthCheck(check: HealthCheck): void;
}

export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const app = Fastify({
    logger: loggerOptions(options.logLevel, options.logStream),
    bodyLimit: options.bodyLimit,
    // Bodies are checked exactly as declared: "12" is not an integer, and an unknown field is an error
    // naming the field (fastify's default would silently coerce or drop it).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
  });
  const metrics = new MetricsRegistry();
  const checks: HealthCheck[] = [];
  registerErrorMapping(app);
  registerJsonBodyParser(app);
  registerObservability(app, { service: options.service, roles: options.roles, metrics, checks: () => checks });
  return { app, metrics, addHealthCheck: (check) => checks.push(check) };
}
