// Logging with pino: one line per event. The default "text" format reads well in syslog through
// Finit's `log` option (which adds time and tag); "json" gives pino's own JSON lines.

import { type Logger, pino } from 'pino';

export type LogFormat = 'text' | 'json';

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

const field = (k: string, v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /^[^\s"=]+$/.test(s) ? `${k}=${s}` : `${k}=${JSON.stringify(s)}`;
};

/** Turns pino's JSON line into "level message key=value ...". */
export function textLine(json: string): string {
  const { level, msg, time: _t, ...rest } = JSON.parse(json) as Record<string, unknown>;
  const fields = Object.entries(rest).map(([k, v]) => field(k, v));
  return `${LEVELS[level as number] ?? String(level)}: ${String(msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

export function makeLogger(format: LogFormat, out: { write(s: string): unknown } = process.stdout): Logger {
  if (format === 'json') return pino({ base: null }, { write: (s: string) => out.write(s) });
  return pino({ base: null, timestamp: false }, { write: (s: string) => out.write(textLine(s)) });
}
