// Logging with pino: one line per event. The default "text" format reads well in syslog through
// Finit's `log` option (which adds time and tag); "json" gives pino's own JSON lines.
// pino is loaded at the first line logged, not at start: at boot the daemon logs nothing before
// the pods may start, and loading pino (~30 ms) would delay them.

import { createRequire } from 'node:module';
import type { Logger, pino as Pino } from 'pino';
import { printable } from '../lib/text.js';

export type LogFormat = 'text' | 'json';

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

// values come from unit files and file names: printable() keeps a control character from
// forging a line of its own in syslog
const field = (k: string, v: unknown): string => {
  const s = printable(typeof v === 'string' ? v : JSON.stringify(v));
  return /^[^\s"=]+$/.test(s) ? `${k}=${s}` : `${k}=${JSON.stringify(s)}`;
};

/** Turns pino's JSON line into "level message key=value ...". */
export function textLine(json: string): string {
  const { level, msg, time: _t, ...rest } = JSON.parse(json) as Record<string, unknown>;
  const fields = Object.entries(rest).map(([k, v]) => field(k, v));
  return `${LEVELS[level as number] ?? String(level)}: ${printable(String(msg ?? ''))}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

function create(format: LogFormat, out: { write(s: string): unknown }): Logger {
  const { pino } = createRequire(import.meta.url)('pino') as { pino: typeof Pino };
  if (format === 'json') return pino({ base: null }, { write: (s: string) => out.write(s) });
  return pino({ base: null, timestamp: false }, { write: (s: string) => out.write(textLine(s)) });
}

/** A pino logger, created (and pino loaded) when it is first used. */
export function makeLogger(format: LogFormat, out: { write(s: string): unknown } = process.stdout): Logger {
  let real: Logger | undefined;
  return new Proxy({} as Logger, {
    get(_target, prop) {
      real ??= create(format, out);
      const v = Reflect.get(real, prop, real) as unknown;
      return typeof v === 'function' ? v.bind(real) : v;
    },
  });
}
