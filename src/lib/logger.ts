import { pino } from 'pino';

/** One logger per process; level from LOG_LEVEL (read directly here so logging works before config parses). */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type Logger = typeof logger;
