// Writing values into a unit file so that finit-pods (and Quadlet) read back exactly what was
// meant: `%` is a specifier, a trailing backslash continues the line, surrounding whitespace is
// trimmed, a value in double quotes loses them, and command-line keys (Exec=, PodmanArgs=,
// Environment=) are split into words with quotes and C escapes.

const BARE = /^[A-Za-z0-9_@+=:,./-]+$/;

/** One word of a command-line value (Exec=, PodmanArgs=, Environment=, Secret=, EnvironmentFile=). */
export function execWord(word: string): string {
  const pct = (s: string) => s.replace(/%/g, '%%');
  if (BARE.test(word)) return pct(word);
  let out = '';
  for (const c of word) {
    const code = c.codePointAt(0)!;
    if (c === '\\') out += '\\\\';
    else if (c === '"') out += '\\"';
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `"${pct(out)}"`;
}

export const execWords = (words: readonly string[]): string => words.map(execWord).join(' ');

/**
 * A value written as is (Image=, PublishPort=, Volume=, Entrypoint=, …), or undefined when the
 * unit syntax cannot hold it unchanged: empty (an empty assignment resets a list), surrounding
 * whitespace, a line break, a trailing backslash, or enclosing double quotes.
 */
export function rawValue(v: string): string | undefined {
  if (v === '' || v !== v.trim() || /[\n\r]/.test(v) || v.endsWith('\\')) return undefined;
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters cannot be written raw
  if (/[\x00-\x1f\x7f]/.test(v)) return undefined;
  return v.replace(/%/g, '%%');
}

/** A value that systemd splits on whitespace keeping backslashes (AddCapability=, Sysctl=, LogOpt=). */
export function strvValue(v: string): string | undefined {
  if (/[\s"'\\]/.test(v)) return undefined;
  return rawValue(v);
}

/** Free text (Description=, comments): one line, no surrounding whitespace. */
export function textValue(v: string): string {
  let t = v
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters become spaces
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .trim()
    .replace(/\\+$/, '')
    .trimEnd();
  // a value in double quotes loses one pair when read: add a pair to keep them
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) t = `"${t}"`;
  return t.replace(/%/g, '%%');
}
