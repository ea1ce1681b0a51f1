/** One logger for the process: pretty on a terminal, JSON lines elsewhere. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level: string; format: 'pretty' | 'json' }): Logger {
  return pino({
    level: options.level,
    base: { service: 'kafka-notify' },
    ...(options.format === 'pretty' && {
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,service', translateTime: 'HH:MM:ss.l' } },
    }),
  });
}
