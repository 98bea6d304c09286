// The edge of `finit-pods import`: reads the scripts, writes the units it made into the units
// directory (never over an existing file: a new file is linked into place, which fails when the
// name is taken), and prints what it wrote and every line it did not convert.

import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createExclusive, readIfExists } from '../apply/files.js';
import { MAX_UNIT_BYTES } from '../lib/limits.js';
import { readRegularFile } from '../lib/readfile.js';
import { importScripts, type Script } from './index.js';

export const DEFAULT_SCRIPT_DIR = '/cfg/start.d';
/** A start-up script: larger than any unit, still far from what a device keeps in /cfg/start.d. */
const MAX_SCRIPT_BYTES = 16 * MAX_UNIT_BYTES;

export interface ImportOptions {
  /** Script paths; none: every *.sh in /cfg/start.d, in name order (as they ran at boot). */
  scripts: string[];
  unitsDir: string;
  dryRun: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Every `*.sh` of a directory, sorted by name; none when it cannot be read. */
export function defaultScripts(dir = DEFAULT_SCRIPT_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.sh'))
      .sort()
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/** Runs an import; returns the exit status (0 when every podman-service/cni line was converted and written). */
export function runImport(o: ImportOptions): number {
  let failed = false;
  const paths = o.scripts.length > 0 ? o.scripts : defaultScripts();
  if (paths.length === 0) {
    o.out(`no ${DEFAULT_SCRIPT_DIR}/*.sh scripts: nothing to import\n`);
    return 0;
  }
  const scripts: Script[] = [];
  for (const path of paths) {
    try {
      // a script is read as a unit is: a regular file of a sane size, never a FIFO or a device
      scripts.push({ path, text: readRegularFile(path, MAX_SCRIPT_BYTES).text });
    } catch (e) {
      o.err(`${path}: error: cannot read: ${(e as Error).message}\n`);
      failed = true;
    }
  }
  const r = importScripts(scripts);
  for (const n of r.notes) o.err(`${n.file}:${n.line}: ${n.severity}: ${n.message}\n`);
  if (r.notes.some((n) => n.severity === 'error')) failed = true;

  let written = 0;
  for (const u of r.units) {
    const path = join(o.unitsDir, u.filename);
    const from = `${u.file}:${u.line}`;
    let existing: string | undefined;
    try {
      existing = readIfExists(path, MAX_UNIT_BYTES);
    } catch (e) {
      o.err(`${from}: error: ${path} is ${(e as Error).message}: not overwritten\n`);
      failed = true;
      continue;
    }
    if (existing !== undefined) {
      if (existing === u.text) o.out(`unchanged ${path} (already imported from ${from})\n`);
      else {
        o.err(`${from}: error: ${path} exists: not overwritten (move it away and import again)\n`);
        failed = true;
      }
      continue;
    }
    if (o.dryRun) {
      o.out(`# would write ${path}\n${u.text}\n`);
      continue;
    }
    mkdirSync(o.unitsDir, { recursive: true });
    let created: boolean;
    try {
      created = createExclusive(path, u.text, 0o600); // it may hold the script's values
    } catch (e) {
      o.err(`${from}: error: ${(e as Error).message}\n`);
      failed = true;
      continue;
    }
    if (!created) {
      o.err(`${from}: error: ${path} exists: not overwritten\n`);
      failed = true;
      continue;
    }
    written++;
    o.out(`wrote ${path} (from ${from})\n`);
  }
  const bad = r.notes.filter((n) => n.severity === 'error').length;
  o.out(
    `${r.recognised} podman-service/cni line${r.recognised === 1 ? '' : 's'}, ${bad} not converted; ${
      o.dryRun
        ? `${r.units.length} unit${r.units.length === 1 ? '' : 's'} shown, nothing written`
        : `${written} unit${written === 1 ? '' : 's'} written`
    }\n`,
  );
  if (!o.dryRun && written > 0)
    o.out(
      'next: remove the imported podman-service/cni lines from the scripts (they would still write pod-NAME stanzas at boot), then run "finit-pods sync"\n',
    );
  return failed ? 1 : 0;
}
