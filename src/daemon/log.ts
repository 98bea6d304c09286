// The daemon's log: one line per event, written as it happens. "text" (the default) reads well in
// syslog through Finit's `log` option, which adds time and tag: "level: message key=value ...".
// "json" is one object per line in pino's shape ({"level":30,"time":MS,...fields,"msg":"..."}),
// so what reads pino's lines reads these.
// Not pino itself: loading it loads its transport machinery (worker threads, streams, assert)
// whether used or not, which the daemon would carry at rest (docs/performance.md) for the few
// lines an hour it writes.

import { printable, printableJson } from '../lib/text.js';

/** pino's level numbers, so JSON readers that know them read these lines. */
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
type Level = keyof typeof LEVELS;
/** Below this, nothing is written (debug lines are for tests and a reader of the code). */
const THRESHOLD = LEVELS.info;

export type LogFormat = 'text' | 'json';
export type Fields = Record<string, unknown>;

export interface LogFn {
  (msg: string): void;
  (fields: Fields, msg: string): void;
}
export type Logger = Record<Level, LogFn>;

// values come from unit files and file names: printable() keeps a control character from
// forging a line of its own in syslog
const field = (k: string, v: unknown): string => {
  const s = printable(typeof v === 'string' ? v : stringify(v));
  return /^[^\s"=]+$/.test(s) ? `${k}=${s}` : `${k}=${JSON.stringify(s)}`;
};

/** JSON of a value, never throwing (a log line must not take the daemon down). */
function stringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** "level: message key=value ...", ending in a newline. */
export function textLine(level: Level, msg: string, fields: Fields = {}): string {
  const parts = Object.entries(fields).map(([k, v]) => field(k, v));
  return `${level}: ${printable(msg)}${parts.length ? ` ${parts.join(' ')}` : ''}\n`;
}

/** One JSON object, ending in a newline: level, time, the fields, msg. */
export function jsonLine(level: Level, msg: string, fields: Fields = {}, now = Date.now()): string {
  const rec: Fields = { level: LEVELS[level], time: now };
  for (const [k, v] of Object.entries(fields)) rec[k] = jsonable(v) ? v : String(v);
  rec.msg = msg;
  return `${printableJson(JSON.stringify(rec))}\n`;
}

function jsonable(v: unknown): boolean {
  try {
    JSON.stringify(v);
    return true;
  } catch {
    return false;
  }
}

/** A logger writing each line to `out` (standard output by default) as it is logged. */
export function makeLogger(format: LogFormat, out: { write(s: string): unknown } = process.stdout): Logger {
  const line = format === 'json' ? jsonLine : textLine;
  const at =
    (level: Level): LogFn =>
    (a: string | Fields, msg?: string) => {
      if (LEVELS[level] < THRESHOLD) return;
      out.write(typeof a === 'string' ? line(level, a) : line(level, msg ?? '', a));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
