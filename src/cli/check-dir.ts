// `check` of a units directory: every unit translated and reported in name order, this process
// going from the first unit up while a helper, when check-helper.ts started one, goes from the
// last unit down.

import { writeSync } from 'node:fs';
import { formatDiagnostic } from '../model/diagnostics.js';
import { type DirOptions, openDir, type UnitResult } from '../model/translate.js';
import { type Helper, takeHelper, type UnitReport } from './check-helper.js';

/** Units translated between two looks at what the helper has written (a read each). */
const LOOK_EVERY = 8;

/** What `check` prints of a unit's result. */
export const reportOf = (r: UnitResult): UnitReport => ({
  ok: r.ok,
  lines: r.diagnostics.map(formatDiagnostic),
});

/**
 * Translates every unit of `dir` and hands each one's report to `each`, in name order, sharing
 * the work with `helper` (by default the one started for `dir`, if any). Says how many units
 * there were and how many of them the helper did. Throws when `dir` cannot be listed.
 */
export function checkDir(
  dir: string,
  opts: DirOptions,
  each: (r: UnitReport) => void,
  helper: Helper | undefined = takeHelper(dir),
): { count: number; helped: number } {
  const units = openDir(dir, opts);
  const { count } = units;
  let i = 0;
  if (!helper) {
    for (; i < count; i++) each(reportOf(units.translate(i)));
    return { count, helped: 0 };
  }
  // up to where the helper has come, looking again every LOOK_EVERY units
  for (let until = helper.doneFrom(count); i < until; until = helper.doneFrom(count)) {
    const end = Math.min(until, i + LOOK_EVERY);
    for (; i < end; i++) each(reportOf(units.translate(i)));
  }
  helper.stop();
  const helped = count - i;
  for (; i < count; i++) each(helper.results.get(i)!);
  return { count, helped };
}

/** The helper process's side: see check-helper.ts's Helper for what it writes. */
export function runHelper(dir: string, opts: DirOptions): number {
  const units = openDir(dir, opts);
  // a line at a time, straight to the file (not through process.stdout's stream, which costs
  // more than the write), so that the other process always knows how far this one has come
  writeSync(1, `units\t${units.count}\n`);
  for (let i = units.count - 1; i >= 0; i--) {
    const r = reportOf(units.translate(i));
    writeSync(1, `${i}\t${r.ok ? 1 : 0}\t${JSON.stringify(r.lines)}\n`);
  }
  return 0;
}
