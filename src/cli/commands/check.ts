// finit-pods check: every unit of the files and directories named, as FILE:LINE diagnostics.

import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../../lib/diagnostics.js';
import { translateDir, translateFile, type UnitResult } from '../../model/translate.js';
import { type Command, dirOptions, err, out } from '../command.js';
import { CHECK_OPTIONS } from '../config.js';

export const checkCommand: Command = {
  summary: 'validate unit files and report problems as FILE:LINE',
  help: `Usage: finit-pods check [--finit-version X.Y] PATH...

Reads each unit file (or every unit in each directory, with its drop-ins) and prints
every warning and error as FILE:LINE: severity: message.
Exit status: 0 when every unit is usable, 1 otherwise, 2 on bad usage.

  --finit-version X.Y   the target's Finit version (pod name limits: 15 characters before 4.15)
`,
  async run(args) {
    const { values, positionals } = parseArgs({ args, options: CHECK_OPTIONS, allowPositionals: true });
    if (positionals.length === 0) {
      err(`finit-pods check: name at least one file or directory\n\n${this.help}`);
      return 2;
    }
    const opts = dirOptions(values['finit-version']);
    let bad = 0;
    let count = 0;
    let unreadable = 0;
    for (const p of positionals) {
      let results: UnitResult[];
      try {
        results = statSync(p).isDirectory() ? translateDir(p, opts).results : [translateFile(p, opts)];
      } catch (e) {
        err(`${p}: error: ${(e as Error).message}\n`);
        unreadable++;
        continue;
      }
      for (const r of results) {
        count++;
        for (const d of r.diagnostics) err(`${formatDiagnostic(d)}\n`);
        if (!r.ok) bad++;
      }
    }
    out(
      `${count - bad} of ${count} units usable${unreadable ? `; ${unreadable} path${unreadable === 1 ? '' : 's'} could not be read` : ''}\n`,
    );
    return bad === 0 && unreadable === 0 ? 0 : 1;
  },
};
