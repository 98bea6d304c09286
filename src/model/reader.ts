// Typed lookups on one section of a unit, with Quadlet's value semantics (last value wins,
// empty assignment resets, word splitting, key=value lists) and systemd specifiers expanded.
// Every problem becomes a diagnostic at the line of the entry that caused it.

import { type Diagnostic, error, type Origin, warning } from '../lib/diagnostics.js';
import { expandSpecifiers, type SpecifierContext, SpecifierError } from '../parse/specifiers.js';
import { EXEC_FLAGS, SplitError, STRV_FLAGS, splitWords } from '../parse/split.js';
import { afterReset, type Entry, lookupValue, type UnitFile } from '../parse/unitfile.js';
import type { KeyRule } from './keys.js';

/** Appends a podman argument, or a flag and its value. */
export type Add = (arg: string, value?: string) => void;

export interface Value {
  value: string;
  at: Origin;
}

const TRUE = new Set(['1', 'yes', 'true', 'on']);
const FALSE = new Set(['0', 'no', 'false', 'off']);

const NO_KEYS: ReadonlyMap<string, readonly Entry[]> = new Map();

export class SectionReader {
  /** The section's entries by key (UnitFile.keyMap), looked up once. */
  private readonly map: ReadonlyMap<string, readonly Entry[]>;

  constructor(
    readonly unit: UnitFile,
    readonly section: string,
    readonly specifiers: SpecifierContext,
    readonly diagnostics: Diagnostic[],
  ) {
    this.map = unit.keyMap(section) ?? NO_KEYS;
  }

  /** The text with specifiers expanded; a bad specifier is reported and the text kept. */
  private expand(text: string, at: Origin, key: string): string {
    try {
      return expandSpecifiers(text, this.specifiers);
    } catch (e) {
      if (!(e instanceof SpecifierError)) throw e;
      this.diagnostics.push(error(at, `${key}= in [${this.section}]: ${e.message}`));
      return text;
    }
  }

  private split(e: Entry, flags: number, strict: boolean): string[] | undefined {
    try {
      return splitWords(e.value, flags).map((w) => this.expand(w, e, e.key));
    } catch (err) {
      if (!(err instanceof SplitError)) throw err;
      const msg = `${e.key}= in [${this.section}]: ${err.message}`;
      this.diagnostics.push(
        strict ? error(e, msg) : warning(e, `${msg}; the value is ignored, as Quadlet does`),
      );
      return undefined;
    }
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Last value (quotes around the whole value removed); undefined when unset. */
  str(key: string): Value | undefined {
    const l = this.map.get(key);
    if (l === undefined) return undefined;
    const e = lookupValue(l[l.length - 1]!);
    return { value: this.expand(e.value, e, key), at: e };
  }

  /** Last value when it is set and not empty. */
  nonEmpty(key: string): Value | undefined {
    const v = this.str(key);
    return v && v.value.length > 0 ? v : undefined;
  }

  /** Every value, raw (no word splitting). */
  all(key: string): Value[] {
    return this.entries(key).map((e) => ({ value: this.expand(e.value, e, key), at: e }));
  }

  /** The key's entries since its last empty assignment (which resets the list). */
  private entries(key: string): readonly Entry[] {
    const l = this.map.get(key);
    return l === undefined ? [] : l.slice(afterReset(l));
  }

  /** Every value split into words like systemd's strv lists (quotes group words, backslashes kept). */
  strv(key: string): Value[] {
    return this.words(key, STRV_FLAGS);
  }

  /** Every value split like a command line (quotes group words, C escapes applied). */
  args(key: string): Value[] {
    return this.words(key, EXEC_FLAGS);
  }

  private words(key: string, flags: number): Value[] {
    const out: Value[] = [];
    for (const e of this.entries(key)) {
      for (const value of this.split(e, flags, false) ?? []) out.push({ value, at: e });
    }
    return out;
  }

  /** The last value split like a command line (Exec=). */
  lastArgs(key: string, strict = true): { words: string[]; at: Origin } | undefined {
    const l = this.map.get(key);
    if (l === undefined) return undefined;
    const e = l[l.length - 1]!;
    const words = this.split(e, EXEC_FLAGS, strict);
    return words && { words, at: e };
  }

  /** KEY=VALUE assignments from every value (Environment=, Label=), later ones override. */
  keyVals(key: string): Map<string, { value: string | null; at: Origin }> {
    const out = new Map<string, { value: string | null; at: Origin }>();
    for (const e of this.entries(key)) {
      const words = this.split(e, EXEC_FLAGS, false);
      if (!words) continue;
      let sawAssignment = false;
      for (const w of words) {
        const eq = w.indexOf('=');
        if (eq >= 0) {
          out.set(w.slice(0, eq), { value: w.slice(eq + 1), at: e });
          sawAssignment = true;
          continue;
        }
        if (sawAssignment) {
          this.diagnostics.push(
            warning(
              e,
              `${key}=: "${w}" has no "=" and follows a KEY=VALUE on the same line; a value with spaces must be quoted, e.g. ${key}="KEY=value with spaces"`,
            ),
          );
        }
        out.set(w, { value: null, at: e });
      }
    }
    return out;
  }

  /** A boolean; values systemd would not accept are warned about and read as false, like Quadlet. */
  bool(key: string): { value: boolean; at: Origin } | undefined {
    const v = this.str(key);
    if (!v) return undefined;
    const lower = v.value.toLowerCase();
    if (!TRUE.has(lower) && !FALSE.has(lower)) {
      this.diagnostics.push(
        warning(v.at, `${key}=${v.value} is not a boolean (yes/no, true/false, 1/0, on/off); read as "no"`),
      );
    }
    return { value: TRUE.has(lower), at: v.at };
  }
}

/** Applies one table rule (keys.ts) of a section: adds the podman arguments its value means. */
export function applyKeyRule(r: SectionReader, key: string, rule: KeyRule, add: Add): void {
  switch (rule.kind) {
    case 'string': {
      const v = r.nonEmpty(key);
      if (v) add(rule.flag, (rule.prefix ?? '') + v.value);
      break;
    }
    case 'all':
      for (const v of r.all(key)) add(rule.flag, v.value);
      break;
    case 'strv':
      for (const { value } of r.strv(key)) add(rule.flag, rule.lower ? value.toLowerCase() : value);
      break;
    case 'args':
      for (const v of r.args(key)) add(rule.flag, (rule.prefix ?? '') + v.value);
      break;
    case 'bool': {
      const v = r.bool(key);
      if (v) add(v.value ? rule.flag : `${rule.flag}=false`);
      break;
    }
    case 'ifTrue':
      if (r.bool(key)?.value) for (const a of rule.args) add(a);
      break;
    case 'keyval': {
      const kv = r.keyVals(key);
      for (const k of [...kv.keys()].sort()) {
        const v = kv.get(k)!.value;
        add(rule.flag, v === null ? k : `${k}=${v}`);
      }
      break;
    }
    case 'special':
      break;
  }
}
