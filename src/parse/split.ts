// systemd's word splitting (extract_first_word) and C unescaping, as Quadlet's parser applies
// them. Behaviour follows systemd src/basic/extract-word.c and escape.c, so a value means the
// same here as it does to Quadlet.

export const Split = {
  /** Allow unbalanced quotes and eat a trailing backslash. */
  Relax: 1 << 0,
  /** Unescape C escape sequences (\n, \t, \x41, \u00e9, \101...). */
  CUnescape: 1 << 1,
  /** Keep unknown escape sequences verbatim. */
  UnescapeRelax: 1 << 2,
  /** Quotes group words and are removed. */
  Unquote: 1 << 5,
  /** A backslash is an ordinary character. */
  RetainEscape: 1 << 7,
} as const;

export const WHITESPACE = ' \t\n\r';

export class SplitError extends Error {}

const hex = (c: string | undefined): number => {
  if (c === undefined) return -1;
  const v = Number.parseInt(c, 16);
  return /^[0-9a-fA-F]$/.test(c) ? v : -1;
};
const oct = (c: string | undefined): number =>
  c !== undefined && c >= '0' && c <= '7' ? c.charCodeAt(0) - 48 : -1;

/** Unescapes one C escape at s[0] (the character after the backslash). Returns [consumed, text] or null. */
export function cUnescapeOne(s: string): [number, string] | null {
  const c = s[0];
  const simple: Record<string, string> = {
    a: '\x07',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
    v: '\v',
    '\\': '\\',
    '"': '"',
    "'": "'",
    s: ' ',
  };
  if (c === undefined) return null;
  if (c in simple) return [1, simple[c]!];
  if (c === 'x') {
    const a = hex(s[1]);
    const b = hex(s[2]);
    if (a < 0 || b < 0 || (a === 0 && b === 0)) return null;
    return [3, String.fromCodePoint((a << 4) | b)];
  }
  if (c === 'u' || c === 'U') {
    const n = c === 'u' ? 4 : 8;
    let v = 0;
    for (let i = 1; i <= n; i++) {
      const d = hex(s[i]);
      if (d < 0) return null;
      v = v * 16 + d;
    }
    if (v === 0 || v > 0x10ffff) return null;
    return [n + 1, String.fromCodePoint(v)];
  }
  if (c >= '0' && c <= '7') {
    const a = oct(s[0]);
    const b = oct(s[1]);
    const d = oct(s[2]);
    if (a < 0 || b < 0 || d < 0) return null;
    const v = (a << 6) | (b << 3) | d;
    if (v === 0 || v > 255) return null;
    return [3, String.fromCodePoint(v)];
  }
  return null;
}

/**
 * Extracts the first word of `input`. Returns [word, rest] or null when there is no word left.
 * Throws SplitError for unbalanced quotes/escapes (without Relax) and unsupported escapes.
 */
export function extractFirstWord(input: string, separators: string, flags: number): [string, string] | null {
  let p = 0;
  const end = input.length;
  // skip leading separators
  while (p < end && separators.includes(input[p]!)) p++;
  if (p >= end) return null;

  let word = '';
  let quote: string | null = null;
  for (;;) {
    const c = p < end ? input[p]! : null;
    if (c === '\\' && !(flags & Split.RetainEscape)) {
      p++;
      const n = p < end ? input[p]! : null;
      if (n === null) {
        if (flags & Split.UnescapeRelax && (quote === null || flags & Split.Relax)) {
          word += '\\';
          return [word, ''];
        }
        if (flags & Split.Relax) return [word, ''];
        throw new SplitError('unbalanced escape');
      }
      if (flags & Split.CUnescape) {
        const r = cUnescapeOne(input.slice(p));
        if (r) {
          word += r[1];
          p += r[0];
        } else if (flags & Split.UnescapeRelax) {
          word += `\\${n}`;
          p++;
        } else {
          throw new SplitError(`unsupported escape char '\\${n}'`);
        }
      } else {
        word += n;
        p++;
      }
      continue;
    }
    if (quote !== null) {
      if (c === null) {
        if (flags & Split.Relax) return [word, ''];
        throw new SplitError('unbalanced quotes');
      }
      if (c === quote) {
        quote = null;
        p++;
        if (!(flags & Split.Unquote)) word += c;
        continue;
      }
      word += c;
      p++;
      continue;
    }
    if (c === null) return [word, ''];
    if ((c === "'" || c === '"') && flags & Split.Unquote) {
      quote = c;
      p++;
      continue;
    }
    if (separators.includes(c)) {
      while (p < end && separators.includes(input[p]!)) p++;
      return [word, input.slice(p)];
    }
    word += c;
    p++;
  }
}

const PLAIN = /^[^"'\\]*$/;
const BLANKS = /[ \t\n\r]+/;

/** Splits a whole string into words with the given flags. */
export function splitWords(input: string, flags: number, separators = WHITESPACE): string[] {
  // Fast path: without quotes or backslashes every flag combination splits on whitespace alone.
  if (separators === WHITESPACE && PLAIN.test(input)) {
    const words = input.split(BLANKS);
    if (words[0] === '') words.shift();
    if (words[words.length - 1] === '') words.pop();
    return words;
  }
  const out: string[] = [];
  let rest = input;
  for (;;) {
    const r = extractFirstWord(rest, separators, flags);
    if (!r) return out;
    out.push(r[0]);
    rest = r[1];
  }
}

/** Exec-like splitting: quotes group words, C escapes are applied (Exec=, PodmanArgs=, Environment=). */
export const EXEC_FLAGS = Split.Relax | Split.Unquote | Split.CUnescape;
/** Strv splitting, as systemd's config_parse_strv: quotes group, backslashes kept. */
export const STRV_FLAGS = Split.RetainEscape | Split.Unquote;
