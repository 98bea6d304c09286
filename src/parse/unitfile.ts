// A systemd unit file as Quadlet reads it: [Section] headers, Key=Value lines, comments (# or ;)
// only at the start of a line, a trailing backslash continues the value on the next line (comment
// lines inside a continued value are skipped), repeated keys accumulate, and drop-ins merge in.
// Every entry keeps the file and line it came from, so errors can point at it.

import { type Diagnostic, error, type Origin, warning } from '../lib/diagnostics.js';
import { kib, MAX_KEY_LENGTH, MAX_VALUE_BYTES } from '../lib/limits.js';

export interface Entry extends Origin {
  key: string;
  value: string;
  /** The [Section] the line is in. */
  section: string;
}

const NONE: readonly Entry[] = Object.freeze([]);

export class UnitFile {
  /** Section name → entries, in file order (drop-ins appended). */
  readonly sections = new Map<string, Entry[]>();
  /** Section name → where its first [Section] header is (the main file's before a drop-in's). */
  readonly headers = new Map<string, Origin>();
  /** Section → key → entries, built on the first look-up and dropped when entries are added. */
  private byKey: Map<string, Map<string, Entry[]>> | undefined;
  /** Section → keys() answer, built with byKey and dropped with it. */
  private keyLists: Map<string, Entry[]> | undefined;

  constructor(
    /** Path of the main file. */
    readonly path: string,
    /** Base name, e.g. `web.container` or `web@1.container`. */
    readonly filename: string,
  ) {}

  section(name: string): Entry[] {
    this.byKey = undefined;
    let s = this.sections.get(name);
    if (!s) {
      s = [];
      this.sections.set(name, s);
    }
    return s;
  }

  /** Merges another file (a drop-in) into this one: its entries follow ours, section by section. */
  merge(other: UnitFile): void {
    other.sections.forEach((entries, name) => {
      const mine = this.section(name);
      for (let i = 0; i < entries.length; i++) mine.push(entries[i]!);
    });
    other.headers.forEach((at, name) => {
      if (!this.headers.has(name)) this.headers.set(name, at);
    });
  }

  /** The entries of one key in file order (a shared empty array when there are none). */
  private entries(section: string, key: string): readonly Entry[] {
    return this.keyMap(section)?.get(key) ?? NONE;
  }

  /**
   * One section's entries by key (each list in file order), or undefined when the section has
   * none. Valid until entries are added (model/reader.ts holds one while it reads a section).
   */
  keyMap(section: string): ReadonlyMap<string, readonly Entry[]> | undefined {
    if (!this.byKey) {
      const byKey = new Map<string, Map<string, Entry[]>>();
      this.sections.forEach((list, name) => {
        const m = new Map<string, Entry[]>();
        for (let i = 0; i < list.length; i++) {
          const e = list[i]!;
          const l = m.get(e.key);
          if (l) l.push(e);
          else m.set(e.key, [e]);
        }
        byKey.set(name, m);
      });
      this.byKey = byKey;
      this.keyLists = new Map();
    }
    return this.byKey.get(section);
  }

  /** Distinct keys of a section, each with its first entry, in first-seen order. */
  keys(section: string): readonly Entry[] {
    if (!this.sections.has(section)) return NONE;
    this.entries(section, '');
    let out = this.keyLists!.get(section);
    if (!out) {
      const list: Entry[] = [];
      this.byKey!.get(section)!.forEach((l) => {
        list.push(l[0]!);
      });
      out = list;
      this.keyLists!.set(section, out);
    }
    return out;
  }

  has(section: string, key: string): boolean {
    return this.entries(section, key).length > 0;
  }

  /** The last entry for a key (an empty value counts: it is how a drop-in unsets a key). */
  last(section: string, key: string): Entry | undefined {
    const l = this.entries(section, key);
    return l[l.length - 1];
  }

  /**
   * The last value, as Quadlet's Lookup gives it: trailing whitespace trimmed and one pair of
   * surrounding double quotes removed.
   */
  lookup(section: string, key: string): Entry | undefined {
    const e = this.last(section, key);
    return e && lookupValue(e);
  }

  /** Every value for a key; an empty assignment (`Key=`) clears the values before it. */
  all(section: string, key: string): Entry[] {
    const l = this.entries(section, key);
    return l.slice(afterReset(l));
  }
}

/** An entry as UnitFile.lookup gives it: trailing whitespace and one pair of quotes removed. */
export function lookupValue(e: Entry): Entry {
  let v = e.value.trimEnd();
  if (v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34) v = v.slice(1, -1);
  return v === e.value ? e : { ...e, value: v };
}

/** Where the values UnitFile.all gives start: after the last empty assignment. */
export function afterReset(l: readonly Entry[]): number {
  let from = 0;
  for (let i = 0; i < l.length; i++) if (l[i]!.value.length === 0) from = i + 1;
  return from;
}

const origin = (file: string, line: number): Origin => ({ file, line });
/** A line quoted in a message: its start is enough to find it. */
const clip = (line: string) => (line.length > 80 ? `${line.slice(0, 77)}...` : line);

export interface ParseOptions {
  /** Lines that are not valid UTF-8 (see lib/readfile.ts): an error on each that is not a comment. */
  badUtf8Lines?: readonly number[];
}

/**
 * Parses unit file text. Syntax errors are returned as diagnostics; parsing goes on after them.
 * A line with a NUL byte or invalid UTF-8, or a value over MAX_VALUE_BYTES, is an error on its
 * line and is left out: no such value reaches podman, Finit or a log.
 */
export function parseUnitText(
  text: string,
  path: string,
  filename: string,
  opts: ParseOptions = {},
): { unit: UnitFile; diagnostics: Diagnostic[] } {
  const unit = new UnitFile(path, filename);
  const diagnostics: Diagnostic[] = [];
  const fail = (line: number, message: string) => diagnostics.push(error(origin(path, line), message));
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  const badUtf8 = opts.badUtf8Lines && opts.badUtf8Lines.length > 0 ? new Set(opts.badUtf8Lines) : undefined;
  let current: Entry[] | null = null;
  let currentName = '';
  /** Line of the last [Section] header when it was invalid (its keys belong to no section). */
  let invalidHeader = 0;
  let pending = '';
  let pendingLine = 0;
  /** Why the (continued) line being read is unusable, and which physical line says so. */
  let bad = '';
  let badLine = 0;

  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    let lineNo = i + 1;
    // an empty line or a comment; inside a continued value a comment line is skipped too
    const first = line.charCodeAt(0);
    if (line.length === 0 || first === 35 /* # */ || first === 59 /* ; */) continue;
    if (bad === '') {
      if (line.indexOf('\0') >= 0) bad = 'contains a NUL byte';
      else if (badUtf8?.has(lineNo)) bad = 'is not valid UTF-8';
      if (bad !== '') badLine = lineNo;
    }
    if (line.endsWith('\\')) {
      line = line.slice(0, -1);
      if (i !== lines.length - 1) {
        if (pending === '') pendingLine = lineNo;
        pending += line;
        continue;
      }
    }
    if (pending !== '') {
      line = pending + line;
      lineNo = pendingLine;
      pending = '';
    }
    if (bad !== '') {
      fail(badLine, `line ${bad}; it is ignored and the unit is not used until it is fixed`);
      bad = '';
      continue;
    }
    const header = sectionHeader(line);
    if (header !== undefined) {
      if (header.invalid) {
        fail(lineNo, `invalid section name [${header.name}]`);
        current = null;
        invalidHeader = lineNo;
      } else {
        current = unit.section(header.name);
        currentName = header.name;
        if (!unit.headers.has(header.name)) unit.headers.set(header.name, origin(path, lineNo));
        invalidHeader = 0;
      }
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) {
      fail(lineNo, `"${clip(line)}" is not a Key=Value line, a [Section] header or a comment`);
      continue;
    }
    const key = line.slice(0, eq).trimEnd();
    const value = line.slice(eq + 1).trimStart();
    if (key.length > MAX_KEY_LENGTH)
      fail(lineNo, `a key of ${key.length} characters ("${clip(key)}="); keys are at most ${MAX_KEY_LENGTH}`);
    else if (Buffer.byteLength(value) > MAX_VALUE_BYTES)
      fail(
        lineNo,
        `${key}=: the value is ${Buffer.byteLength(value)} bytes; at most ${kib(MAX_VALUE_BYTES)}`,
      );
    else if (current === null)
      fail(
        lineNo,
        invalidHeader > 0
          ? `${key}= follows the invalid section header on line ${invalidHeader}`
          : `${key}= appears before any [Section] header`,
      );
    else current.push({ key, value, section: currentName, file: path, line: lineNo });
  }
  // a value continued to the end of the file is dropped, as Quadlet drops it, but never in silence
  if (bad !== '') fail(badLine, `line ${bad}; it is ignored`);
  else if (pending !== '')
    diagnostics.push(
      warning(
        origin(path, pendingLine),
        'this line ends in "\\" and is continued into the end of the file, so it is ignored (as Quadlet ignores it)',
      ),
    );
  return { unit, diagnostics };
}

/** A `[Name]` line: its name, and whether systemd would refuse it; undefined for any other line. */
function sectionHeader(line: string): { name: string; invalid: boolean } | undefined {
  if (line.charCodeAt(0) !== 91 /* [ */) return undefined;
  const end = line.indexOf(']');
  if (end === -1 || !/^[ \t]*$/.test(line.slice(end + 1))) return undefined;
  const name = line.slice(1, end);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: systemd rejects control characters in group names
  return { name, invalid: name.length === 0 || /[[\]\x00-\x1f\x7f]/.test(name) };
}
