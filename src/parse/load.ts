// Finding unit files in a units directory and reading each with its drop-ins, in Quadlet's order:
// type-wide `container.d/`, truncated-prefix dirs (`foo-.container.d/`), the template's
// `foo@.container.d/`, then the unit's own `foo@bar.container.d/`. Drop-in files are merged in
// alphabetical order of their names; a name in a more specific directory hides the same name in
// a broader one.

import { readdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Diagnostic } from '../lib/diagnostics.js';
import { MAX_DROPINS, MAX_UNIT_BYTES } from '../lib/limits.js';
import { type FileText, readRegularFile } from '../lib/readfile.js';
import { parseUnitText, type UnitFile } from './unitfile.js';

export const UNIT_KINDS = [
  'container',
  'network',
  'volume',
  'pod',
  'kube',
  'image',
  'build',
  'artifact',
] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];
/** A name ending in a Quadlet unit type: a unit file, or a unit another one names. */
export const UNIT_FILE_NAME = new RegExp(`\\.(${UNIT_KINDS.join('|')})$`);

export interface UnitName {
  filename: string;
  kind: UnitKind;
  /** Name without the type suffix: `web`, `web@`, `web@1`. */
  stem: string;
  /** Part before `@` (or the whole stem). */
  prefix: string;
  /** Part after `@`; '' for a template or a plain unit. */
  instance: string;
  /** `foo@.container`: a template, not run itself. */
  isTemplate: boolean;
}

/** Parses a unit file name; undefined for files that are not Quadlet units. */
export function parseUnitName(filename: string): UnitName | undefined {
  const dot = filename.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const kind = filename.slice(dot + 1) as UnitKind;
  if (!UNIT_KINDS.includes(kind)) return undefined;
  const stem = filename.slice(0, dot);
  const at = stem.indexOf('@');
  const prefix = at < 0 ? stem : stem.slice(0, at);
  const instance = at < 0 ? '' : stem.slice(at + 1);
  return { filename, kind, stem, prefix, instance, isTemplate: at >= 0 && instance === '' };
}

/** True for names an editor or tool leaves behind, which must never be read as units. */
export function isIgnoredName(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.endsWith('~') ||
    /\.(swp|swx|tmp|bak|orig|rej|dpkg-[a-z]+)$/.test(name) ||
    (name.startsWith('#') && name.endsWith('#')) ||
    /^\d+$/.test(name) // vim's write probe "4913"
  );
}

/**
 * What one pass over a units directory reads only once, however many units share it: which
 * subdirectories exist (so absent drop-in directories are never tried), each drop-in directory's
 * listing, and each drop-in file (a type-wide `container.d/` file is read once, not per unit).
 */
export class LoadCache {
  readonly listings = new Map<string, string[]>();
  /** Units directory → its normalised form with a trailing slash ('' for '.'). */
  readonly prefixes = new Map<string, string>();
  readonly dropins = new Map<
    string,
    { unit: UnitFile; diagnostics: Diagnostic[]; outside: boolean } | { failed: string }
  >();
  /** Units directory → its real path (symlinks resolved), for telling which files lie outside it. */
  readonly realDirs = new Map<string, string>();
  /** The drop-in files (sorted paths) of each set of drop-in directories: most units share one. */
  readonly dropinFiles = new Map<string, readonly string[]>();
  constructor(
    /** Names of the units directory's subdirectories (and symlinks); undefined: not known. */
    readonly subdirs?: ReadonlySet<string>,
  ) {}
}

/** Unit files and subdirectory names of a directory. Throws when it cannot be read. */
export function scanDir(dir: string): { names: UnitName[]; subdirs: Set<string> } {
  const files: string[] = [];
  const subdirs = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() || entry.isSymbolicLink()) subdirs.add(entry.name);
    if (!entry.isDirectory() && !isIgnoredName(entry.name)) files.push(entry.name);
  }
  // in name order, by UTF-16 code units (the default sort's order)
  files.sort();
  const names: UnitName[] = [];
  for (const f of files) {
    const n = parseUnitName(f);
    if (n) names.push(n);
  }
  return { names, subdirs };
}

/** Unit files in a directory, sorted by name. Throws when the directory cannot be read. */
export function listUnitNames(dir: string): UnitName[] {
  return scanDir(dir).names;
}

/** Drop-in directory names for a unit, most specific first (Quadlet's GetUnitDropinPaths). */
export function dropinDirs(name: UnitName): string[] {
  const ext = `.${name.kind}.d`;
  const paths = [ext.slice(1)];
  const dashParts = name.prefix.split('-');
  if (dashParts.length > 1) {
    for (let i = 0; i < dashParts.length - 1; i++) {
      const truncated = `${dashParts.slice(0, i + 1).join('-')}-`;
      paths.push(truncated + ext);
      if (name.instance !== '' || name.isTemplate) paths.push(`${truncated}@${ext}`);
    }
  }
  if (name.instance !== '') paths.push(`${name.prefix}@${ext}`);
  paths.push(`${name.filename}.d`);
  return paths.reverse();
}

function readDirNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A unit file or drop-in, as only a regular file of a sane size is read (lib/readfile.ts). */
export const readUnitFile = (p: string): FileText => readRegularFile(p, MAX_UNIT_BYTES);

export interface LoadedUnit {
  name: UnitName;
  unit: UnitFile;
  /** The main file and every drop-in that was merged, in merge order. */
  sources: string[];
  diagnostics: Diagnostic[];
  /**
   * Files that resolve outside the units directory (through a symlink): not a unit the user
   * wrote there, so what is said about them never quotes their lines (see model/translate.ts).
   */
  outside?: ReadonlySet<string>;
}

function realDir(dir: string, cache?: LoadCache): string {
  let real = cache?.realDirs.get(dir);
  if (real === undefined) {
    try {
      real = realpathSync(dir);
    } catch {
      real = dir;
    }
    cache?.realDirs.set(dir, real);
  }
  return real;
}

/** Whether `real` (a file's real path) lies outside the directory whose real path is `dirReal`. */
const isOutside = (real: string, dirReal: string) =>
  !real.startsWith(dirReal.endsWith('/') ? dirReal : `${dirReal}/`);

/**
 * Reads a unit file and merges its drop-ins from `dir`. Unreadable files become diagnostics.
 * Pass one LoadCache to every unit of a directory to read shared drop-ins only once.
 */
export function loadUnit(
  dir: string,
  name: UnitName,
  read: (p: string) => FileText = readUnitFile,
  cache?: LoadCache,
): LoadedUnit {
  // the directory is normalised once (per LoadCache); unit and drop-in paths are concatenations
  let prefix = cache?.prefixes.get(dir);
  if (prefix === undefined) {
    const base = join(dir, '.');
    prefix = base === '.' ? '' : base.endsWith('/') ? base : `${base}/`;
    cache?.prefixes.set(dir, prefix);
  }
  const path = prefix + name.filename;
  let file: FileText | undefined;
  const diagnostics: Diagnostic[] = [];
  const outside = new Set<string>();
  try {
    file = read(path);
  } catch (e) {
    diagnostics.push({
      severity: 'error',
      file: path,
      line: 0,
      message: `cannot read: ${(e as Error).message}`,
    });
  }
  const hidden = file?.realPath !== undefined && isOutside(file.realPath, realDir(dir, cache));
  if (hidden) outside.add(path);
  const parsed = parseUnitText(file?.text ?? '', path, name.filename, { badUtf8Lines: file?.badUtf8Lines });
  for (const d of parsed.diagnostics) diagnostics.push(d);
  const unit = parsed.unit;
  const sources = [path];

  const files = dropinFiles(prefix, name, cache);
  if (files.length > MAX_DROPINS) {
    diagnostics.push({
      severity: 'error',
      file: path,
      line: 0,
      message: `${files.length} drop-in files; at most ${MAX_DROPINS} are read, so none is and the unit is not used`,
    });
    return { name, unit, sources, diagnostics };
  }
  for (const p of files) {
    let d = cache?.dropins.get(p);
    if (!d) {
      try {
        const f = read(p);
        let real = f.realPath;
        try {
          real ??= realpathSync(p); // its directory may be the symlink
        } catch {
          // gone since: it was read, so it is judged by its path
        }
        const out = real !== undefined && isOutside(real, realDir(dir, cache));
        d = {
          ...parseUnitText(f.text, p, basename(p), { badUtf8Lines: f.badUtf8Lines }),
          outside: out,
        };
      } catch (e) {
        d = { failed: (e as Error).message };
      }
      cache?.dropins.set(p, d);
    }
    if ('failed' in d) {
      diagnostics.push({ severity: 'error', file: p, line: 0, message: `cannot read drop-in: ${d.failed}` });
      continue;
    }
    if (d.outside) outside.add(p);
    for (const x of d.diagnostics) diagnostics.push(x);
    unit.merge(d.unit);
    sources.push(p);
  }
  const loaded: LoadedUnit = { name, unit, sources, diagnostics };
  if (outside.size > 0) loaded.outside = outside;
  return loaded;
}

const NO_FILES: readonly string[] = Object.freeze([]);

/**
 * A unit's drop-in files, as paths in merge order (by file name; a name in a more specific
 * directory hides the same name in a broader one). Units with the same drop-in directories share
 * one answer through the cache.
 */
function dropinFiles(prefix: string, name: UnitName, cache?: LoadCache): readonly string[] {
  const all = dropinDirs(name);
  const dirs = cache?.subdirs ? all.filter((d) => cache.subdirs!.has(d)) : all;
  if (dirs.length === 0) return NO_FILES;
  const key = `${prefix}\0${dirs.join('\0')}`;
  const known = cache?.dropinFiles.get(key);
  if (known) return known;
  const chosen = new Map<string, string>();
  for (const d of dirs) {
    const full = prefix + d;
    let names = cache?.listings.get(full);
    if (!names) {
      names = readDirNames(full);
      cache?.listings.set(full, names);
    }
    for (const f of names) {
      if (!f.endsWith('.conf') || isIgnoredName(f) || chosen.has(f)) continue;
      chosen.set(f, `${full}/${f}`);
    }
  }
  const files = [...chosen.keys()].sort().map((f) => chosen.get(f)!);
  cache?.dropinFiles.set(key, files);
  return files;
}
