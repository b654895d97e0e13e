// Rate-limits repeated warnings and errors: the first line of a kind in a window is written in full,
// the rest are counted and summed up in one line when the window ends ("repeated": N). 100k junk
// entries give a handful of lines, not 100k, and a stuck relay logs once a window, not every 500 ms.
// It never drops the count: every suppressed line is accounted for in a summary.

export interface LevelLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LogLimiterOptions {
  /** Length of one window in ms (default DEFAULT_LOG_WINDOW_MS). */
  windowMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Arms a timer that writes the summaries when a window ends (default true; tests call flush()). */
  autoFlush?: boolean;
}

/** 60 s: a repeated failure shows up within a minute with its count, and costs one line a minute. */
export const DEFAULT_LOG_WINDOW_MS = 60_000;

export interface LimitedLogger extends LevelLogger {
  /** Writes the summary of every window that has ended and forgets it. */
  flush(): void;
  /** Stops the flush timer after a last flush (on close). */
  close(): void;
}

interface Window {
  level: 'warn' | 'error';
  msg: string;
  started: number;
  suppressed: number;
}

export function limitRepeats(logger: LevelLogger, options: LogLimiterOptions = {}): LimitedLogger {
  const windowMs = options.windowMs ?? DEFAULT_LOG_WINDOW_MS;
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();

  const summarize = (window: Window) => {
    if (window.suppressed > 0) {
      logger[window.level]({ repeated: window.suppressed, windowMs }, `${window.msg} (repeated ${window.suppressed} more times in ${Math.round(windowMs / 1000)} s)`);
    }
  };
  const limited = (level: 'warn' | 'error') => (obj: object, msg = '') => {
    const key = `${level}\u0000${msg}`;
    const at = now();
    const window = windows.get(key);
    if (window && at - window.started < windowMs) {
      window.suppressed++;
      return;
    }
    if (window) summarize(window);
    windows.set(key, { level, msg, started: at, suppressed: 0 });
    logger[level](obj, msg);
  };
  const flush = () => {
    const at = now();
    for (const [key, window] of windows) {
      if (at - window.started < windowMs) continue; // still open: its count keeps growing
      summarize(window);
      windows.delete(key);
    }
  };
  const timer = options.autoFlush === false ? undefined : setInterval(flush, Math.max(1000, Math.floor(windowMs / 4)));
  timer?.unref();
  return {
    info: (obj, msg) => logger.info(obj, msg),
    warn: limited('warn'),
    error: limited('error'),
    flush,
    close() {
      if (timer) clearInterval(timer);
      for (const window of windows.values()) summarize(window);
      windows.clear();
    },
  };
}
