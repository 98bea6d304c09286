// finit-pods quadlet install|list|print|rm: Podman's `podman quadlet` verbs (Podman 5.6 and later)
// over the units directory. install checks the new units together with what the directory holds
// (in a staging copy beside it) before it copies anything, and copies each file whole (a temporary
// name, then a rename or link: apply/files.ts); rm checks that no remaining unit needs what goes.
// There is no systemd to reload: the daemon applies what it sees in the units directory.

import {
  closeSync,
  constants,
  copyFileSync,
  type Dirent,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  type BytesWrite,
  createAllExclusive,
  syncDir,
  WriteError,
  writeAllAtomic,
} from '../../apply/files.js';
import { readStanzas } from '../../apply/sync.js';
import { writtenFrom } from '../../apply/sync-plan.js';
import { type Diagnostic, formatDiagnostic, nearest } from '../../lib/diagnostics.js';
import { MAX_UNIT_BYTES } from '../../lib/limits.js';
import { isAlive } from '../../lib/proc.js';
import { errnoText, readRegularFile } from '../../lib/readfile.js';
import { columns, printable } from '../../lib/text.js';
import { podName } from '../../model/names.js';
import { type DirOptions, translateDir, type UnitResult } from '../../model/translate.js';
import { isIgnoredName, parseUnitName, scanDir, UNIT_KINDS, type UnitName } from '../../parse/load.js';
import { runnerCopies, runnerOfCopy } from '../../render/labels.js';
import { stemIdentity } from '../../render/stanza.js';
import { type Command, dirOptions, err, out, outJson } from '../command.js';
import { CHECK_OPTIONS, syncConfig } from '../config.js';

type Values = Record<string, string | boolean | undefined>;

/** One verb: its part of the help, its options, and what it does (the exit status). */
interface Verb {
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Values, positionals: string[]): number;
}

const UNITS_DIR = { 'units-dir': { type: 'string' } } as const;
const units = (values: Values) => syncConfig(values).unitsDir;
/** One line of output: a newline or escape in a name is shown escaped (lib/text.ts). */
const outLine = (s: string) => out(`${printable(s)}\n`);
const errLine = (s: string) => err(`${printable(s)}\n`);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const AFTER =
  'the daemon applies the units directory within a second of a change; without a daemon, run "finit-pods sync"';

const USAGE =
  'Usage: finit-pods quadlet install|list|print|rm [OPTIONS] [ARGS] (finit-pods quadlet --help says more)\n';

// ---- install ----

/** What install copies: one file, by its path inside the units directory. */
interface Item {
  /** Path inside the units directory ('web.container', 'web.container.d/10-env.conf'). */
  rel: string;
  /** Where it comes from, as given. */
  src: string;
  bytes: Buffer;
  /** Permission bits, kept from the source. */
  mode: number;
  /** A unit file (top level, NAME.container…), as opposed to a file units use. */
  unit: boolean;
}

/** An application (a directory) may hold a Containerfile's context, not a disk image. */
const MAX_INSTALL_FILES = 4096;
const MAX_INSTALL_BYTES = 64 * 1024 * 1024;

/** A refusal or failure whose message names the file (FILE: error: …). */
class QuadletError extends Error {}

function typeName(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** A source file's bytes and mode: only a regular file is opened (never a FIFO or a device). */
function readSource(path: string, st: Stats, budget: { files: number; bytes: number }): Item['bytes'] {
  if (!st.isFile()) throw new QuadletError(`${path}: error: ${typeName(st)}: not installed`);
  budget.files++;
  budget.bytes += st.size;
  if (budget.files > MAX_INSTALL_FILES || budget.bytes > MAX_INSTALL_BYTES)
    throw new QuadletError(
      `${path}: error: more than ${MAX_INSTALL_FILES} files or ${MAX_INSTALL_BYTES / 1024 / 1024} MiB to install: copy it by hand`,
    );
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new QuadletError(`${path}: error: cannot read: ${errnoText(e)}`);
  }
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile()) throw new QuadletError(`${path}: error: ${typeName(fst)}: not installed`);
    return readFileSync(fd);
  } catch (e) {
    if (e instanceof QuadletError) throw e;
    throw new QuadletError(`${path}: error: cannot read: ${errnoText(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** Every file of one PATH argument: the file itself, or a directory's files (its subdirectories too). */
function collect(
  path: string,
  items: Item[],
  budget: { files: number; bytes: number },
  notes: string[],
): void {
  if (/^[a-z]+:\/\//i.test(path))
    throw new QuadletError(`${path}: error: URLs are not fetched here: download the file first`);
  if (path.endsWith('.quadlets'))
    throw new QuadletError(
      `${path}: error: a .quadlets file (several units in one) is not supported: split it into unit files`,
    );
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw new QuadletError(`${path}: error: cannot read: ${errnoText(e)}`);
  }
  if (!st.isDirectory()) {
    const rel = basename(path);
    items.push({
      rel,
      src: path,
      bytes: readSource(path, st, budget),
      mode: st.mode & 0o777,
      unit: isUnit(rel),
    });
    return;
  }
  // an application: the directory's files, as they are laid out in it
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      throw new QuadletError(`${dir}: error: cannot read: ${errnoText(e)}`);
    }
    for (const n of names) {
      const p = join(dir, n);
      const r = rel ? `${rel}/${n}` : n;
      // at the top, what the units directory would never read as a unit (.git, *~, *.swp)
      if (!rel && isIgnoredName(n)) {
        notes.push(`${p}: skipped (a hidden, backup or editor file)`);
        continue;
      }
      let s: Stats;
      try {
        s = lstatSync(p);
        if (s.isSymbolicLink()) {
          s = statSync(p);
          if (s.isDirectory())
            throw new QuadletError(`${p}: error: a symbolic link to a directory: not followed`);
        }
      } catch (e) {
        if (e instanceof QuadletError) throw e;
        throw new QuadletError(`${p}: error: cannot read: ${errnoText(e)}`);
      }
      if (s.isDirectory()) walk(p, r);
      else
        items.push({
          rel: r,
          src: p,
          bytes: readSource(p, s, budget),
          mode: s.mode & 0o777,
          unit: !rel && isUnit(n),
        });
    }
  };
  walk(path, '');
}

const isUnit = (filename: string) => parseUnitName(filename) !== undefined && !isIgnoredName(filename);

/** Why `rel` cannot be written in the units directory (a file in the way, a name taken), or undefined. */
function targetProblem(unitsDir: string, item: Item, replace: boolean): string | undefined {
  const parts = item.rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const p = join(unitsDir, ...parts.slice(0, i));
    const st = lstatOrUndefined(p);
    if (st && (!st.isDirectory() || st.isSymbolicLink()))
      return `${p}: error: not a directory, so ${item.src} cannot be installed in it`;
  }
  const target = join(unitsDir, item.rel);
  const st = lstatOrUndefined(target);
  if (!st) return undefined;
  if (st.isDirectory()) return `${target}: error: a directory: ${item.src} is not installed over it`;
  if (!replace) return `${target}: error: exists: not replaced by ${item.src} (--replace replaces it)`;
  return undefined;
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

// ---- the check of a change: the units directory as it would be, translated in a staging copy ----

/**
 * The units directory as it would be after a change, in a temporary directory beside it (on its
 * file system, so its symbolic links resolve alike): its unit files and drop-ins copied, other
 * files and directories as symbolic links to them (an image archive is never copied), minus
 * `removed`, with `added` laid over it. What is said about a staged file names the file it stands
 * for: the source of an added one, else the one in the units directory.
 */
class Staging {
  readonly dir: string;
  /** The units directory's real path: the staging copy is made from it, beside it. */
  private readonly real: string;
  private readonly from = new Map<string, string>();

  constructor(
    /** The units directory as it is named (in what is said). */
    private readonly unitsDir: string,
    added: readonly Item[],
    removed: ReadonlySet<string>,
  ) {
    this.real = realUnitsDir(unitsDir);
    this.dir = stagingDir(this.real);
    try {
      const overlay = new Map(added.map((i) => [i.rel, i]));
      this.copyLevel(this.real, '', overlay, removed);
      for (const i of added) {
        const p = join(this.dir, i.rel);
        mkdirSync(dirname(p), { recursive: true });
        if (i.bytes.length <= MAX_UNIT_BYTES) writeFileSync(p, i.bytes, { mode: 0o600 });
        else symlinkSync(resolve(i.src), p);
        this.from.set(i.rel, i.src);
      }
    } catch (e) {
      this.remove();
      throw e;
    }
  }

  /** One directory level of the units directory; `rel` is its path inside it. */
  private copyLevel(
    dir: string,
    rel: string,
    overlay: ReadonlyMap<string, Item>,
    removed: ReadonlySet<string>,
  ) {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && rel === '') return; // not made yet
      throw e;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (removed.has(r) || overlay.has(r)) continue;
      const src = join(dir, e.name);
      const dst = join(this.dir, r);
      if (e.isSymbolicLink()) {
        // a template's instance (web@1.container -> web@.container) stays a link, inside the copy
        const target = readlinkSync(src);
        const inside = isAbsolute(target) && target.startsWith(`${this.real}/`);
        symlinkSync(inside ? join(this.dir, target.slice(this.real.length + 1)) : target, dst);
      } else if (
        e.isDirectory() &&
        (e.name.endsWith('.d') || [...overlay.keys()].some((k) => k.startsWith(`${r}/`)))
      ) {
        // drop-in directories are copied (their files are read as units are), and those files go into
        mkdirSync(dst);
        this.copyLevel(src, r, overlay, removed);
      } else if (e.isFile() && lstatSync(src).size <= MAX_UNIT_BYTES) copyFileSync(src, dst);
      else symlinkSync(src, dst); // a large file, a directory, a FIFO: read through the link, if at all
    }
  }

  /** The path to name for a staged path (or one in the units directory's real path). */
  private shown(p: string): string {
    for (const base of [this.dir, this.real]) {
      if (!p.startsWith(`${base}/`)) continue;
      const rel = p.slice(base.length + 1);
      return (base === this.dir && this.from.get(rel)) || join(this.unitsDir, rel);
    }
    return p;
  }

  /** A diagnostic about a staged file, about the file it stands for. */
  diagnostic(d: Diagnostic): Diagnostic {
    let message = d.message;
    for (const [rel, src] of [...this.from].sort((a, b) => b[0].length - a[0].length))
      message = message.split(join(this.dir, rel)).join(src);
    message = message.split(this.dir).join(this.unitsDir);
    return { ...d, file: this.shown(d.file), message };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true }); // links are removed, never followed
  }
}

/** `.DIR.quadlet.PID.tmp` beside the units directory (else in the system's temporary directory). */
function stagingDir(unitsDir: string): string {
  const parent = dirname(unitsDir);
  const prefix = `.${basename(unitsDir)}.quadlet.`;
  // what a command killed before it cleaned up left behind
  try {
    for (const n of readdirSync(parent)) {
      const m = n.startsWith(prefix) ? n.slice(prefix.length).match(/^(\d+)\.tmp$/) : null;
      if (m && !isAlive(Number(m[1]))) rmSync(join(parent, n), { recursive: true, force: true });
    }
  } catch {
    // no parent to clean
  }
  const dir = join(parent, `${prefix}${process.pid}.tmp`);
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o700 });
    return dir;
  } catch {
    return mkdtempSync(join(tmpdir(), 'finit-pods-quadlet-'));
  }
}

/** The units directory's real path when it exists (its staging copy goes beside the real one). */
function realUnitsDir(unitsDir: string): string {
  try {
    return realpathSync(unitsDir);
  } catch {
    return resolve(unitsDir);
  }
}

/** Every unit of the units directory, translated; none when it does not exist yet. */
function translateUnits(unitsDir: string, opts: DirOptions): ReturnType<typeof translateDir> {
  try {
    return translateDir(unitsDir, opts);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { results: [], index: new Map() };
    throw new QuadletError(`${unitsDir}: error: cannot read: ${errnoText(e)}`);
  }
}

/**
 * The units as they would be after adding `added` and removing `removed` (`before`: as they
 * are): the added units that do not check, and the other units that check now but would not then.
 */
function checkChange(
  unitsDir: string,
  opts: DirOptions,
  before: readonly UnitResult[],
  added: readonly Item[],
  removed: ReadonlySet<string>,
): { after: UnitResult[]; bad: UnitResult[]; broken: UnitResult[] } {
  const wasOk = new Set(before.filter((r) => r.ok).map((r) => r.name.filename));
  let after: UnitResult[];
  try {
    const staging = new Staging(unitsDir, added, removed);
    try {
      after = translateDir(staging.dir, opts).results.map((r) => ({
        ...r,
        path: join(unitsDir, r.name.filename),
        diagnostics: r.diagnostics.map((d) => staging.diagnostic(d)),
      }));
    } finally {
      staging.remove();
    }
  } catch (e) {
    throw new QuadletError(`${unitsDir}: error: cannot check the units as they would be: ${errnoText(e)}`);
  }
  const isAdded = new Set(added.filter((i) => i.unit).map((i) => i.rel));
  return {
    after,
    bad: after.filter((r) => isAdded.has(r.name.filename) && !r.ok),
    broken: after.filter((r) => !isAdded.has(r.name.filename) && !r.ok && wasOk.has(r.name.filename)),
  };
}

const install: Verb = {
  help: `finit-pods quadlet install [--replace] [--finit-version X.Y] [--units-dir DIR] PATH...
  Installs unit files, or an application: a directory holding units and the files they use (a
  .kube's YAML, a .build's Containerfile and context, drop-in directories NAME.container.d/),
  copied into the units directory as laid out in it. Hidden and editor files at the top of a
  directory are skipped. First the new units are checked together with the units already there,
  as check would: a unit with an error, or one that would make a unit there stop working, is
  refused with its FILE:LINE errors, and nothing is copied. Then each file is copied whole
  (written under a temporary name, then renamed into place), keeping its permission bits; the
  units last, after the files they use. Prints each file installed.
    --replace, -r   replace files that exist (without it, an existing name is refused)
`,
  options: { replace: { type: 'boolean', short: 'r' }, ...UNITS_DIR, ...CHECK_OPTIONS },
  run(values, paths) {
    if (paths.length === 0) {
      errLine('finit-pods quadlet install: name at least one unit file or directory');
      err(USAGE);
      return 2;
    }
    const unitsDir = units(values);
    const replace = values.replace === true;
    const items: Item[] = [];
    const notes: string[] = [];
    try {
      const budget = { files: 0, bytes: 0 };
      for (const p of paths) collect(p, items, budget, notes);
    } catch (e) {
      if (!(e instanceof QuadletError)) throw e;
      errLine(e.message);
      errLine('finit-pods quadlet install: nothing installed');
      return 1;
    }
    for (const n of notes) errLine(n);
    const byRel = new Map<string, Item>();
    for (const i of items) {
      const other = byRel.get(i.rel);
      if (other) {
        errLine(
          `finit-pods quadlet install: ${other.src} and ${i.src} would both be ${join(unitsDir, i.rel)}`,
        );
        return 2;
      }
      byRel.set(i.rel, i);
    }
    if (!items.some((i) => i.unit)) {
      errLine(
        `finit-pods quadlet install: no unit file (NAME.${UNIT_KINDS.join(', .')}) in ${paths.join(', ')}; nothing installed`,
      );
      return 1;
    }
    const problems = items.map((i) => targetProblem(unitsDir, i, replace)).filter((p) => p !== undefined);
    if (problems.length > 0) {
      for (const p of problems) errLine(p);
      errLine('finit-pods quadlet install: nothing installed');
      return 1;
    }

    let check: ReturnType<typeof checkChange>;
    try {
      const opts = dirOptions(values['finit-version'] as string | undefined);
      check = checkChange(unitsDir, opts, translateUnits(unitsDir, opts).results, items, new Set());
    } catch (e) {
      if (!(e instanceof QuadletError)) throw e;
      errLine(e.message);
      errLine('finit-pods quadlet install: nothing installed');
      return 1;
    }
    const added = new Set(items.filter((i) => i.unit).map((i) => i.rel));
    for (const r of check.after) {
      if (added.has(r.name.filename) || check.broken.includes(r))
        for (const d of r.diagnostics) errLine(formatDiagnostic(d));
    }
    if (check.bad.length > 0 || check.broken.length > 0) {
      const why = [
        ...check.bad.map((r) => `${r.name.filename} does not check`),
        ...check.broken.map((r) => `${r.path} would stop working`),
      ];
      errLine(`finit-pods quadlet install: refused (${why.join('; ')}); nothing installed`);
      return 1;
    }

    try {
      copyIn(unitsDir, items, replace);
    } catch (e) {
      if (e instanceof WriteError && e.code === 'EEXIST')
        errLine(`${e.path}: error: exists (made meanwhile): not replaced (--replace replaces it)`);
      else if (e instanceof WriteError) errLine(`finit-pods quadlet install: ${e.message}`);
      else errLine(`${unitsDir}: error: cannot install into it: ${errnoText(e)}`);
      errLine('finit-pods quadlet install: nothing installed');
      return 1;
    }
    for (const i of items) outLine(`installed ${join(unitsDir, i.rel)}`);
    const n = items.filter((i) => i.unit).length;
    outLine(
      `${plural(n, 'unit')}${items.length > n ? ` and ${plural(items.length - n, 'file')}` : ''} installed; ${AFTER}`,
    );
    return 0;
  },
};

/**
 * Copies every file whole, or none (apply/files.ts): the files units use first, then the units, so
 * the daemon sees a unit only once its files are there. Directories it made are removed again
 * when the copy fails. Throws WriteError.
 */
function copyIn(unitsDir: string, items: readonly Item[], replace: boolean): void {
  const ordered = [...items.filter((i) => !i.unit), ...items.filter((i) => i.unit)];
  const writes: BytesWrite[] = ordered.map((i) => ({
    path: join(unitsDir, i.rel),
    content: i.bytes,
    mode: i.mode,
  }));
  const made: string[] = [];
  try {
    if (mkdirSync(unitsDir, { recursive: true })) made.push(unitsDir);
    const dirs = new Set<string>();
    for (const i of items) {
      const parts = i.rel.split('/');
      for (let n = 1; n < parts.length; n++) dirs.add(parts.slice(0, n).join('/'));
    }
    for (const d of [...dirs].sort()) {
      try {
        mkdirSync(join(unitsDir, d));
        made.push(join(unitsDir, d));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new WriteError(join(unitsDir, d), e);
      }
    }
    if (replace) writeAllAtomic(writes);
    else createAllExclusive(writes);
  } catch (e) {
    for (const d of made.reverse()) rmdirQuietly(d);
    throw e;
  }
}

function rmdirQuietly(d: string): void {
  try {
    rmdirSync(d);
  } catch {
    // not empty (someone wrote there meanwhile): left as it is
  }
}

// ---- naming units: NAME.KIND, or NAME when only one kind has it ----

function unitNames(unitsDir: string): UnitName[] {
  try {
    return scanDir(unitsDir).names;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new QuadletError(`${unitsDir}: error: cannot read: ${errnoText(e)}`);
  }
}

/** The unit NAME names (with or without its suffix), or why none. */
function findUnit(unitsDir: string, names: readonly UnitName[], name: string): UnitName | string {
  const exact = names.find((n) => n.filename === name);
  if (exact) return exact;
  const same = name.includes('/') ? [] : names.filter((n) => n.stem === name);
  if (same.length === 1) return same[0]!;
  if (same.length > 1)
    return `"${name}" names ${same.map((n) => n.filename).join(', ')} in ${unitsDir}: give its suffix`;
  const near = nearest(name, [...names.map((n) => n.filename), ...names.map((n) => n.stem)]);
  return `no unit "${name}" in ${unitsDir}${near ? ` (did you mean ${near}?)` : ''}`;
}

// ---- list, print ----

function checkState(r: UnitResult): string {
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = r.diagnostics.length - errors;
  if (!r.ok) return errors ? plural(errors, 'error') : 'not usable';
  return warnings ? `ok, ${plural(warnings, 'warning')}` : 'ok';
}

/** What the unit makes: the Finit service of a container's pod, else the network, volume, image… */
function resourceOf(r: UnitResult): string | undefined {
  const m = r.model;
  if (!m) return undefined;
  return m.kind === 'container' ? `pod:${m.pod}` : m.resource;
}

const list: Verb = {
  help: `finit-pods quadlet list [--format json] [--noheading] [--units-dir DIR]    (alias: ls)
  One line per unit of the units directory: its file name, kind, whether it checks (ok, or the
  number of errors: finit-pods check DIR prints them) and what it makes (pod:NAME for a
  container, else the network, volume or image name).
    --format json     a JSON array: {name, kind, path, ok, errors, warnings, pod, resource}
    --noheading, -n   no header line
`,
  options: {
    format: { type: 'string' },
    noheading: { type: 'boolean', short: 'n' },
    ...UNITS_DIR,
    ...CHECK_OPTIONS,
  },
  run(values, positionals) {
    if (positionals.length > 0 || (values.format !== undefined && values.format !== 'json')) {
      errLine(
        `finit-pods quadlet list: ${positionals.length ? 'takes no NAME' : '--format takes only json'}`,
      );
      err(USAGE);
      return 2;
    }
    const unitsDir = units(values);
    const { results } = translateUnits(unitsDir, dirOptions(values['finit-version'] as string | undefined));
    if (values.format === 'json') {
      outJson(
        results.map((r) => {
          const m = r.model;
          return {
            name: r.name.filename,
            kind: r.name.kind,
            path: r.path,
            ok: r.ok,
            errors: r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic),
            warnings: r.diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic),
            ...(m?.kind === 'container' ? { pod: m.pod } : {}),
            ...(m && m.kind !== 'container' ? { resource: m.resource } : {}),
          };
        }),
      );
      return 0;
    }
    const rows = results.map((r) => [r.name.filename, r.name.kind, checkState(r), resourceOf(r) ?? '-']);
    // without the heading the columns are as wide as the units' own cells
    const [head, ...body] = values.noheading === true ? rows : [['NAME', 'KIND', 'CHECK', 'MAKES'], ...rows];
    if (head) for (const line of columns(head, body)) outLine(line);
    return 0;
  },
};

const print: Verb = {
  help: `finit-pods quadlet print [--units-dir DIR] NAME    (alias: cat)
  Prints the unit file NAME (web.container, or web when only one kind has that name) as it is,
  comments included, without its drop-ins (finit-pods show NAME merges them).
`,
  options: { ...UNITS_DIR },
  run(values, positionals) {
    if (positionals.length !== 1) {
      errLine(`finit-pods quadlet print: name one unit`);
      err(USAGE);
      return 2;
    }
    const unitsDir = units(values);
    const u = findUnit(unitsDir, unitNames(unitsDir), positionals[0]!);
    if (typeof u === 'string') {
      errLine(`finit-pods quadlet print: ${u}`);
      return 1;
    }
    const path = join(unitsDir, u.filename);
    let text: string;
    try {
      text = readRegularFile(path, MAX_UNIT_BYTES).text;
    } catch (e) {
      errLine(`${path}: error: cannot read: ${(e as Error).message}`);
      return 1;
    }
    out(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    return 0;
  },
};

// ---- rm ----

/** The pods whose runner runs: it keeps RUN_DIR/argv/POD.PID while the pod runs. */
function runningPods(runDir: string): Map<string, number> {
  const pods = new Map<string, number>();
  let names: string[] = [];
  try {
    names = readdirSync(runnerCopies(runDir));
  } catch (e) {
    // no runner has started a pod since the boot; anything else is no answer
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return pods;
    throw new Error(`cannot tell which pods run: ${runnerCopies(runDir)}: ${errnoText(e)}; nothing removed`);
  }
  for (const n of names) {
    const r = runnerOfCopy(n);
    if (r && isAlive(r.pid)) pods.set(r.id, r.pid);
  }
  return pods;
}

const rm: Verb = {
  help: `finit-pods quadlet rm [--force] [--ignore] [--all] [--units-dir DIR] [--run-dir DIR] [--finit-dir DIR] NAME...
  Removes the unit files NAME... (web.container, or web when only one kind has that name). The
  daemon then stops a removed container's pod and removes its stanza; a network or volume stays
  in podman (podman network rm, podman volume rm). A unit's drop-in directory NAME.container.d/
  is kept, as podman keeps it. Nothing is removed when a NAME is not a unit of the directory, a
  pod whose unit goes is running, or a unit that stays would stop working without the ones that
  go (it names them). A unit's pod is the one the stanza written from it runs (a unit named by
  ServiceName= that no longer reads runs its last pod).
    --force, -f    remove even a running pod's unit, or one that other units need
    --ignore, -i   a NAME that is not a unit is not an error
    --all, -a      every unit of the units directory
`,
  options: {
    force: { type: 'boolean', short: 'f' },
    ignore: { type: 'boolean', short: 'i' },
    all: { type: 'boolean', short: 'a' },
    ...UNITS_DIR,
    'run-dir': { type: 'string' },
    'finit-dir': { type: 'string' },
    ...CHECK_OPTIONS,
  },
  run(values, positionals) {
    const all = values.all === true;
    if (all ? positionals.length > 0 : positionals.length === 0) {
      errLine(`finit-pods quadlet rm: name the units to remove, or --all alone`);
      err(USAGE);
      return 2;
    }
    const { unitsDir, runDir } = syncConfig(values);
    const force = values.force === true;
    const names = unitNames(unitsDir);
    const chosen = new Map<string, UnitName>();
    let refused = false;
    for (const n of all ? names.map((x) => x.filename) : positionals) {
      const u = findUnit(unitsDir, names, n);
      if (typeof u !== 'string') chosen.set(u.filename, u);
      else if (values.ignore === true && u.startsWith('no unit'))
        errLine(`finit-pods quadlet rm: ${u}: ignored`);
      else {
        errLine(`finit-pods quadlet rm: ${u}`);
        refused = true;
      }
    }
    if (refused) {
      errLine('finit-pods quadlet rm: nothing removed');
      return 1;
    }
    if (chosen.size === 0) {
      outLine('nothing to remove');
      return 0;
    }

    const opts = dirOptions(values['finit-version'] as string | undefined);
    const { results, index } = translateUnits(unitsDir, opts);
    const models = new Map(results.map((r) => [r.name.filename, r.model]));
    const running = runningPods(runDir);
    const pods = new Map<string, string>();
    // a unit that does not check may still run as it last did: its pod is the one the stanza
    // written from it runs, as sync keeps it
    const { stanzaDir } = syncConfig(values);
    const written = existsSync(stanzaDir) ? writtenFrom(readStanzas(stanzaDir)) : new Map<string, string>();
    for (const [f, name] of chosen) {
      const m = models.get(f);
      const service = index.get(f)?.serviceName;
      const kept = stemIdentity(written.get(join(unitsDir, f)) ?? '');
      const pod =
        kept?.name === 'pod'
          ? kept.id
          : m?.kind === 'container'
            ? m.pod
            : name.kind === 'container' && !name.isTemplate
              ? podName(service === name.stem ? undefined : service, name)
              : undefined;
      if (pod === undefined) continue;
      pods.set(f, pod);
      const pid = running.get(pod);
      if (pid === undefined) continue;
      if (force) errLine(`${join(unitsDir, f)}: warning: pod:${pod} is running; the daemon stops it`);
      else {
        errLine(
          `${join(unitsDir, f)}: error: pod:${pod} is running (runner PID ${pid}): not removed (--force removes it)`,
        );
        refused = true;
      }
    }
    let check: ReturnType<typeof checkChange>;
    try {
      check = checkChange(unitsDir, opts, results, [], new Set(chosen.keys()));
    } catch (e) {
      if (!(e instanceof QuadletError)) throw e;
      errLine(e.message);
      errLine('finit-pods quadlet rm: nothing removed');
      return 1;
    }
    const going = [...chosen.keys()].join(', ');
    for (const r of check.broken) {
      for (const d of r.diagnostics) if (d.severity === 'error') errLine(formatDiagnostic(d));
      if (force) errLine(`${r.path}: warning: stops working without ${going}`);
      else {
        errLine(`${r.path}: error: would stop working without ${going} (--force removes them anyway)`);
        refused = true;
      }
    }
    if (refused) {
      errLine('finit-pods quadlet rm: nothing removed');
      return 1;
    }

    let failed = false;
    for (const f of chosen.keys()) {
      const path = join(unitsDir, f);
      try {
        unlinkSync(path);
      } catch (e) {
        errLine(`${path}: error: cannot remove: ${errnoText(e)}`);
        failed = true;
        continue;
      }
      outLine(`removed ${path}`);
      const dropins = `${path}.d`;
      if (lstatOrUndefined(dropins)?.isDirectory())
        outLine(`kept ${dropins}/ (its drop-ins; remove it by hand when no longer wanted)`);
      const pod = pods.get(f);
      if (pod) outLine(`the daemon stops pod:${pod} and removes its stanza`);
    }
    try {
      syncDir(unitsDir);
    } catch {
      // the removals stand; only their durability across a power cut is less certain
    }
    outLine(`${AFTER}`);
    return failed ? 1 : 0;
  },
};

// ---- the command ----

const VERBS: Readonly<Record<string, Verb>> = { install, list, print, rm };
const ALIASES: Readonly<Record<string, string>> = { ls: 'list', cat: 'print' };

export const quadletCommand: Command = {
  summary: 'install, list, print and remove unit files, as podman quadlet does',
  help: `Usage: finit-pods quadlet install|list|print|rm [OPTIONS] [ARGS]

Podman's "podman quadlet" verbs (Podman 5.6 and later) over the units directory. There is no
systemd to reload, so no --reload-systemd: the running daemon applies every change to the units
directory within a second (a new pod starts, a changed one restarts, a removed one stops);
without a daemon, run "finit-pods sync".

${Object.values(VERBS)
  .map((v) => v.help)
  .join('\n')}
  --units-dir DIR       the units directory (env FINIT_PODS_UNITS_DIR, default /cfg/containers)
  --run-dir DIR         runtime state, where rm sees running pods (env FINIT_PODS_RUN_DIR,
                        default /run/finit-pods)
  --finit-dir DIR       the stanzas, where rm sees which pod a unit runs (env FINIT_PODS_FINIT_DIR,
                        default /etc/finit.d/enabled)
  --finit-version X.Y   the target's Finit version, for install, list and rm's checks (as check)
Exit status: 0 when done, 1 when refused or failed (nothing changed), 2 on bad usage.
`,
  async run(args) {
    const [word, ...rest] = args;
    const verb = word === undefined ? undefined : VERBS[ALIASES[word] ?? word];
    if (!verb) {
      errLine(`finit-pods quadlet: ${word === undefined ? 'name a verb' : `unknown verb "${word}"`}`);
      err(USAGE);
      return 2;
    }
    const { values, positionals } = parseArgs({ args: rest, options: verb.options, allowPositionals: true });
    try {
      return verb.run(values as Values, positionals);
    } catch (e) {
      if (!(e instanceof QuadletError)) throw e;
      errLine(`${e.message}`);
      return 1;
    }
  },
};
