// Finding an installed program the way a shell does: the first executable file of that name in a
// directory of PATH (an empty entry is the current directory), then in the places given.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The path of program `name`, or undefined when none is installed there. */
export function findProgram(
  name: string,
  opts: { path?: string; also?: readonly string[] } = {},
): string | undefined {
  const dirs = (opts.path ?? process.env.PATH ?? '').split(delimiter).map((d) => join(d || '.', name));
  for (const p of [...dirs, ...(opts.also ?? [])]) {
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // try the next
    }
  }
  return undefined;
}
