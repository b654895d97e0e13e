// The logger the runtime writes to: pino-compatible, so services pass their fastify logger. The runtime
// logs only state changes and failures, never one line per event.

export interface RuntimeLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export const silentLogger: RuntimeLogger = { info() {}, warn() {}, error() {} };
