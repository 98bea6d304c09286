// Time span options (--auto-update, --update-timeout, --timeout): apart from config.ts, which the
// daemon's early start loads before anything else, so that it does not load the unit model.

import { parseTimeSpan } from '../model/service.js';

/**
 * A time span option (systemd's syntax: `90`, `2min`, `1h 30min`) in ms, from the flag or the
 * environment; undefined when neither is set, an Error naming the flag when it does not read.
 */
export function spanOption(
  values: Record<string, string | boolean | undefined>,
  flag: string,
  env: string,
): number | undefined | Error {
  const v = values[flag];
  const text = typeof v === 'string' ? v : process.env[env];
  if (text === undefined || text === '') return undefined;
  const s = parseTimeSpan(text);
  if (s === undefined || !Number.isFinite(s) || s <= 0)
    return new Error(`--${flag} (env ${env}): "${text}" is not a time span (e.g. 90, 2min, 24h)`);
  return s * 1000;
}
