import { pino, type Logger } from 'pino';

/** The root logger: JSON lines on stdout, one child per component carrying its context. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'convene' } });
}
