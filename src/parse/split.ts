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

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
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

/**
 * Unescapes one C escape at s[at] (the character after the backslash). Returns [consumed, text]
 * or null for an escape systemd does not accept.
 */
export function cUnescapeOne(s: string, at = 0): [number, string] | null {
  const c = s[at];
  if (c === undefined) return null;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [1, simple];
  if (c === 'x') {
    const a = hex(s[at + 1]);
    const b = hex(s[at + 2]);
    if (a < 0 || b < 0 || (a === 0 && b === 0)) return null;
    return [3, String.fromCodePoint((a << 4) | b)];
  }
  if (c === 'u' || c === 'U') {
    const n = c === 'u' ? 4 : 8;
    let v = 0;
    for (let i = 1; i <= n; i++) {
      const d = hex(s[at + i]);
      if (d < 0) return null;
      v = v * 16 + d;
    }
    if (v === 0 || v > 0x10ffff) return null;
    // a surrogate is no character: U+FFFD, as Quadlet writes it (and as any UTF-8 file holds it)
    return [n + 1, v >= 0xd800 && v <= 0xdfff ? '\ufffd' : String.fromCodePoint(v)];
  }
  if (c >= '0' && c <= '7') {
    const a = oct(s[at]);
    const b = oct(s[at + 1]);
    const d = oct(s[at + 2]);
    if (a < 0 || b < 0 || d < 0) return null;
    const v = (a << 6) | (b << 3) | d;
    if (v === 0 || v > 255) return null;
    return [3, String.fromCodePoint(v)];
  }
  return null;
}

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

// Where a run of ordinary characters ends, with whitespace separators: one pattern per flag
// combination, indexed by (backslash is special ? 1 : 0) | (quotes are special ? 2 : 0).
const RUN_END = [/[ \t\n\r]/g, /[ \t\n\r\\]/g, /[ \t\n\r"']/g, /[ \t\n\r"'\\]/g];

/** Index of the first match of a one-character global pattern at or after `from`, or `end`. */
function scan(re: RegExp, input: string, from: number, end: number): number {
  re.lastIndex = from;
  return re.test(input) ? re.lastIndex - 1 : end;
}

/**
 * The word starting at or after `from`: [word, index after it and its trailing separators], or
 * null when only separators are left. Runs of ordinary characters are copied as slices.
 */
function extractAt(input: string, from: number, separators: string, flags: number): [string, number] | null {
  const isSep =
    separators === WHITESPACE ? isBlank : (c: number) => separators.includes(String.fromCharCode(c));
  const unquote = (flags & Split.Unquote) !== 0;
  const escapes = (flags & Split.RetainEscape) === 0;
  const end = input.length;
  let p = from;
  while (p < end && isSep(input.charCodeAt(p))) p++;
  if (p >= end) return null;

  let word = '';
  let quote = 0; // the open quote's char code, 0 outside quotes
  const runEnd = separators === WHITESPACE ? RUN_END[(escapes ? 1 : 0) | (unquote ? 2 : 0)]! : undefined;
  for (;;) {
    // copy the run of ordinary characters up to the next one that needs attention
    const start = p;
    if (quote === 0) {
      if (runEnd) p = scan(runEnd, input, p, end);
      else
        for (; p < end; p++) {
          const c = input.charCodeAt(p);
          if ((c === 92 && escapes) || ((c === 34 || c === 39) && unquote) || isSep(c)) break;
        }
    } else {
      const close = input.indexOf(quote === 34 ? '"' : "'", p);
      const backslash = escapes ? input.indexOf('\\', p) : -1;
      p = close < 0 ? (backslash < 0 ? end : backslash) : backslash < 0 ? close : Math.min(close, backslash);
    }
    if (p > start) word += input.slice(start, p);
    if (p >= end) {
      if (quote !== 0 && !(flags & Split.Relax)) throw new SplitError('unbalanced quotes');
      return [word, end];
    }
    const c = input.charCodeAt(p);
    if (c === 92 && escapes) {
      p++;
      if (p >= end) {
        if (flags & Split.UnescapeRelax && (quote === 0 || flags & Split.Relax)) return [`${word}\\`, end];
        if (flags & Split.Relax) return [word, end];
        throw new SplitError('unbalanced escape');
      }
      const n = input[p]!;
      if (flags & Split.CUnescape) {
        const r = cUnescapeOne(input, p);
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
    } else if (quote !== 0) {
      quote = 0; // the closing quote (kept in the word only without Unquote, which never opens one)
      p++;
    } else if (c === 34 || c === 39) {
      quote = c;
      p++;
    } else {
      // a separator ends the word; skip the rest of the run
      while (p < end && isSep(input.charCodeAt(p))) p++;
      return [word, p];
    }
  }
}

/**
 * Extracts the first word of `input`. Returns [word, rest] or null when there is no word left.
 * Throws SplitError for unbalanced quotes/escapes (without Relax) and unsupported escapes.
 */
export function extractFirstWord(input: string, separators: string, flags: number): [string, string] | null {
  const r = extractAt(input, 0, separators, flags);
  return r && [r[0], input.slice(r[1])];
}

const BLANKS = /[ \t\n\r]+/;

/** Splits a whole string into words with the given flags. */
export function splitWords(input: string, flags: number, separators = WHITESPACE): string[] {
  // Without quotes or backslashes every flag combination splits on whitespace alone.
  if (
    separators === WHITESPACE &&
    input.indexOf('"') < 0 &&
    input.indexOf("'") < 0 &&
    input.indexOf('\\') < 0
  ) {
    if (input.indexOf('\t') >= 0 || input.indexOf('\n') >= 0 || input.indexOf('\r') >= 0) {
      const words = input.split(BLANKS);
      if (words[0] === '') words.shift();
      if (words[words.length - 1] === '') words.pop();
      return words;
    }
    // spaces only (nearly every value): a string split, much cheaper than a RegExp split
    const parts = input.split(' ');
    const words: string[] = [];
    for (let i = 0; i < parts.length; i++) if (parts[i] !== '') words.push(parts[i]!);
    return words;
  }
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const r = extractAt(input, at, separators, flags);
    if (!r) return out;
    out.push(r[0]);
    at = r[1];
  }
}

/** Exec-like splitting: quotes group words, C escapes are applied (Exec=, PodmanArgs=, Environment=). */
export const EXEC_FLAGS = Split.Relax | Split.Unquote | Split.CUnescape;
/** Strv splitting, as systemd's config_parse_strv: quotes group, backslashes kept. */
export const STRV_FLAGS = Split.RetainEscape | Split.Unquote;
