import type { Logger } from 'pino';

/**
 * The structured log the control loop writes to. pino locally, the Powertools logger in Lambda:
 * both fit behind this, so control code never knows which one it has.
 */
export interface Log {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function pinoLog(logger: Logger): Log {
  return {
    debug: (msg, fields) => logger.debug(fields ?? {}, msg),
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
  };
}

/** Keeps what was logged, for tests that assert a failure was not silent. */
export function memoryLog(): Log & {
  entries: Array<{ level: string; msg: string; fields?: Record<string, unknown> }>;
} {
  const entries: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void entries.push({ level, msg, ...(fields ? { fields } : {}) });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** An error's message for a log field, never "[object Object]". */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
