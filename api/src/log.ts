// The api's logger.
import { pino, type Logger } from 'pino';

/** Structured JSON logs on stderr, so stdout stays free for what a person reads. */
export function createLogger(level: string): Logger {
  return pino({ name: 'api', level }, pino.destination(2));
}
