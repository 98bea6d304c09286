// The sh reader of finit-pods import (src/import/sh.ts): words, quotes, continuation, comments,
// operators and compound commands, as the start.d scripts are written.

import t from 'tap';
import { parseScript, shellWords } from '../../src/import/sh.js';

t.test('sh reader: words, quotes, continuation, comments, operators, compound commands', async (t) => {
  const { commands, problems } = parseScript(`# comment
a 'b c' "d \\"e\\" $X" f\\ g # trailing comment
h \\
  i 2>&1 >/dev/null; j | k && l
case "$1" in
  start) m ;;
  *) n ;;
esac
f() {
  o
}
for x in 1 2; do p; done
(q)
r
`);
  t.same(problems, []);
  const w = (i: number) => commands[i]!.words.map((x) => x.value);
  t.same(w(0), ['a', 'b c', 'd "e" $X', 'f g']);
  t.same(commands[0]!.words[2]!.expansions, ['$X']);
  t.same(w(1), ['h', 'i'], 'redirections are not words');
  t.equal(commands[1]!.line, 3);
  t.same(
    commands.map((c) => [c.words[0]!.value, c.joinedBy, c.inside.join(',')]),
    [
      ['a', '', ''],
      ['h', '', ''],
      ['j', '', ''],
      ['k', '|', ''],
      ['l', '&&', ''],
      ['m', '', 'case'],
      ['n', '', 'case'],
      ['o', '', 'function'],
      ['p', '', 'for'],
      ['q', '', '('],
      ['r', '', ''],
    ],
  );
  t.same(
    shellWords(`--net=podman,net1 -p 22:22 --entrypoint='/linuxrc' "a b"\\ c`).words.map((x) => x.value),
    ['--net=podman,net1', '-p', '22:22', '--entrypoint=/linuxrc', 'a b c'],
  );
  t.match(shellWords('a; b').problems, [{ message: /unquoted ";"/ }]);
  t.match(parseScript(`a 'b\n`).problems, [{ line: 1, message: /unterminated ' quote/ }]);
});
