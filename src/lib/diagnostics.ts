// Diagnostics carry the file and line they are about, so every message a user sees can be
// acted on: `FILE:LINE: error: message`.

import { printable } from './text.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  file: string;
  /** 1-based line, 0 when the message is about the file as a whole. */
  line: number;
  message: string;
}

export interface Origin {
  file: string;
  line: number;
  /** Set when the origin is a Key= line: the key and the [Section] it is in. */
  key?: string;
  section?: string;
}

/**
 * Makes every message about a Key= line name the key and its section: `[Container] Group=: …`
 * (messages that already name the section, or start with `Key=`, are only completed).
 */
export function about(at: Origin, message: string): string {
  if (at.key === undefined || at.section === undefined) return message;
  if (message.includes(`[${at.section}]`)) return message;
  if (message.startsWith(`${at.key}=`)) return `[${at.section}] ${message}`;
  return `[${at.section}] ${at.key}=: ${message}`;
}

const make = (severity: Severity, at: Origin, message: string): Diagnostic => ({
  severity,
  file: at.file,
  line: at.line,
  message: about(at, message),
});
export const error = (at: Origin, message: string): Diagnostic => make('error', at, message);
export const warning = (at: Origin, message: string): Diagnostic => make('warning', at, message);

/** `FILE:LINE: severity: message`, one line whatever the file's name or the message holds. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}` : d.file;
  return `${printable(where)}: ${d.severity}: ${printable(d.message)}`;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  for (let i = 0; i < ds.length; i++) if (ds[i]!.severity === 'error') return true;
  return false;
}

/** Levenshtein distance, for "did you mean" suggestions on typos. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if it is close enough to be a plausible typo. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  const lower = word.toLowerCase();
  const within = Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    // the distance is at least the difference in length: no need to compute it (a long word
    // against every key would take seconds)
    if (Math.abs(c.length - word.length) > within) continue;
    const score = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best !== undefined && bestScore <= within ? best : undefined;
}
