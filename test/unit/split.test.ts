// systemd word splitting and C unescaping (src/parse/split.ts), checked against what systemd's
// extract_first_word() and Quadlet's Go port of it produce for the same input.

import t, { type Test } from 'tap';
import {
  cUnescapeOne,
  EXEC_FLAGS,
  extractFirstWord,
  Split,
  SplitError,
  STRV_FLAGS,
  splitWords,
} from '../../src/parse/split.js';

const STRICT = Split.Unquote | Split.CUnescape; // exec-like, but without Relax

/** Asserts that fn throws a SplitError whose message matches. */
function throwsSplit(t: Test, fn: () => unknown, message: RegExp, name?: string): void {
  try {
    fn();
    t.fail(`${name ?? 'split'}: expected a SplitError`);
  } catch (e) {
    t.ok(e instanceof SplitError, `${name ?? 'split'}: a SplitError`);
    t.match((e as Error).message, message, name ?? 'split');
  }
}

t.test('quoting groups words and is removed', async (t) => {
  const cases: [string, string[]][] = [
    ['a b  c', ['a', 'b', 'c']],
    ['  leading and trailing  ', ['leading', 'and', 'trailing']],
    ['tab\tnew\nline\rcr', ['tab', 'new', 'line', 'cr']],
    ['"a b" c', ['a b', 'c']],
    ["'a b' c", ['a b', 'c']],
    [`'say "hi"'`, ['say "hi"']],
    [`"it's"`, ["it's"]],
    ['a"b c"d', ['ab cd']], // quotes inside a word join, as in systemd
    [`x"'"y`, ["x'y"]],
    ['"$HOME" `id` $(date)', ['$HOME', '`id`', '$(date)']], // no shell expansion of any kind
    ['a;b # not a comment', ['a;b', '#', 'not', 'a', 'comment']],
  ];
  for (const [input, want] of cases) {
    t.same(splitWords(input, EXEC_FLAGS), want, `exec: ${input}`);
    t.same(splitWords(input, STRV_FLAGS), want, `strv: ${input}`);
  }
});

t.test('C escapes are applied by exec-like splitting', async (t) => {
  const cases: [string, string][] = [
    ['a\\nb', 'a\nb'],
    ['a\\tb', 'a\tb'],
    ['\\x41', 'A'],
    ['\\u00e9', 'é'],
    ['\\U0001F600', '😀'],
    ['\\101', 'A'],
    ['\\\\', '\\'],
    ['\\"', '"'],
    ["\\'", "'"],
    ['\\s', ' '],
    ['\\a\\b\\f\\v\\r', '\x07\b\f\v\r'],
    ['"in \\"quotes\\""', 'in "quotes"'],
    ["'single \\x41'", 'single A'], // escapes apply inside quotes too
  ];
  for (const [input, want] of cases) t.same(splitWords(input, EXEC_FLAGS), [want], input);
});

t.test('cUnescapeOne', async (t) => {
  t.same(cUnescapeOne('x41rest'), [3, 'A']);
  t.same(cUnescapeOne('u00e9'), [5, 'é']);
  t.same(cUnescapeOne('n'), [1, '\n']);
  // a lone surrogate could not be written to a stanza as it is (UTF-8 has none): U+FFFD, as Quadlet
  t.same(cUnescapeOne('uD800'), [5, '\ufffd'], 'a surrogate is U+FFFD');
  t.same(cUnescapeOne('U0000DFFF'), [9, '\ufffd']);
  t.equal(cUnescapeOne('x00'), null, 'NUL is refused');
  t.equal(cUnescapeOne('u0000'), null, 'NUL is refused');
  t.equal(cUnescapeOne('000'), null, 'NUL is refused');
  t.equal(cUnescapeOne('777'), null, 'above 255');
  t.equal(cUnescapeOne('xg1'), null, 'not hex');
  t.equal(cUnescapeOne('x4'), null, 'short');
  t.equal(cUnescapeOne('U00110000'), null, 'beyond Unicode');
  t.equal(cUnescapeOne('q'), null);
  t.equal(cUnescapeOne(''), null);
});

t.test('unsupported escapes are errors, unless UnescapeRelax keeps them', async (t) => {
  for (const input of ['a\\qb', '\\x00', '\\xZZ', '\\9', '"\\q"', '\\.', 'a\\ b', '\\$HOME']) {
    throwsSplit(t, () => splitWords(input, EXEC_FLAGS), /^unsupported escape char/, input);
  }
  throwsSplit(t, () => splitWords('test\\.sh', EXEC_FLAGS), /unsupported escape char '\\\.'/);
  t.same(splitWords('a\\qb', EXEC_FLAGS | Split.UnescapeRelax), ['a\\qb']);
  t.same(splitWords('x\\', Split.CUnescape | Split.UnescapeRelax), ['x\\'], 'trailing backslash kept');
});

t.test('strv splitting keeps backslashes (config_parse_strv)', async (t) => {
  t.same(splitWords('a\\nb c', STRV_FLAGS), ['a\\nb', 'c']);
  t.same(splitWords('a\\ b', STRV_FLAGS), ['a\\', 'b'], 'a backslash does not escape a space');
  t.same(splitWords('C:\\dir', STRV_FLAGS), ['C:\\dir']);
  t.same(splitWords('x\\', STRV_FLAGS), ['x\\']);
  throwsSplit(
    t,
    () => splitWords('\\"', STRV_FLAGS),
    /unbalanced quotes/,
    'a backslash does not escape a quote',
  );
});

t.test('Relax: unbalanced quotes and a trailing backslash are accepted', async (t) => {
  t.same(splitWords('"unbalanced word', EXEC_FLAGS), ['unbalanced word']);
  t.same(splitWords("a 'open", EXEC_FLAGS), ['a', 'open']);
  t.same(splitWords('x\\', EXEC_FLAGS), ['x'], 'a trailing backslash is eaten');
  throwsSplit(t, () => splitWords('"unbalanced', STRICT), /unbalanced quotes/);
  throwsSplit(t, () => splitWords('x\\', STRICT), /unbalanced escape/);
  throwsSplit(t, () => splitWords('"x\\', STRICT), /unbalanced/);
});

t.test('empty words', async (t) => {
  t.same(splitWords('', EXEC_FLAGS), []);
  t.same(splitWords('   \t ', EXEC_FLAGS), []);
  t.same(splitWords('""', EXEC_FLAGS), ['']);
  t.same(splitWords("''", STRV_FLAGS), ['']);
  // systemd keeps an empty quoted word and goes on (systemd PR #704). Quadlet's Go port stops
  // at it and drops the rest of the line; finit-pods follows systemd so no argument is lost.
  t.same(splitWords('a "" b', EXEC_FLAGS), ['a', '', 'b']);
  t.same(splitWords("--opt='' x", EXEC_FLAGS), ['--opt=', 'x']);
});

t.test('non-ASCII passes through unchanged', async (t) => {
  t.same(splitWords('héllo wörld 日本語 "ünï cödé" 😀', EXEC_FLAGS), [
    'héllo',
    'wörld',
    '日本語',
    'ünï cödé',
    '😀',
  ]);
  t.same(splitWords('NAME=Zoë', STRV_FLAGS), ['NAME=Zoë']);
  t.same(splitWords('\\xe9', EXEC_FLAGS), ['é'], '\\xNN is the code point, written as UTF-8 like Go');
});

t.test('extractFirstWord returns the rest', async (t) => {
  t.same(extractFirstWord('  one two  three', ' ', EXEC_FLAGS), ['one', 'two  three']);
  t.same(extractFirstWord('"a b" c', ' ', EXEC_FLAGS), ['a b', 'c']);
  t.equal(extractFirstWord('   ', ' ', EXEC_FLAGS), null);
  t.same(splitWords('a,b,,c', 0, ','), ['a', 'b', 'c'], 'custom separators coalesce');
});

t.test('without Unquote, quotes are ordinary characters', async (t) => {
  t.same(splitWords('"a b"', Split.CUnescape), ['"a', 'b"']);
});
