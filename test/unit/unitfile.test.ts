// Unit file syntax (src/parse/unitfile.ts): sections, comments, continuation lines, repeated
// keys, empty assignments, and diagnostics that point at the right line.

import t from 'tap';
import { parseUnitText } from '../../src/parse/unitfile.js';

const parse = (text: string) => parseUnitText(text, '/units/web.container', 'web.container');
const values = (text: string, section: string, key: string) =>
  parse(text)
    .unit.all(section, key)
    .map((e) => e.value);

t.test('sections and keys', async (t) => {
  const { unit, diagnostics } = parse(`[Unit]
Description=Web server

[Container]
Image=nginx
  PublishPort = 8080:80  
[Service]
Restart=always
`);
  t.same(diagnostics, []);
  t.same([...unit.sections.keys()], ['Unit', 'Container', 'Service']);
  t.same(unit.sections.get('Container'), [
    { key: 'Image', value: 'nginx', section: 'Container', file: '/units/web.container', line: 5 },
    { key: 'PublishPort', value: '8080:80', section: 'Container', file: '/units/web.container', line: 6 },
  ]);
  t.equal(unit.lookup('Unit', 'Description')?.value, 'Web server');
  t.equal(unit.lookup('Service', 'Restart')?.line, 8);
  t.equal(unit.path, '/units/web.container');
  t.equal(unit.filename, 'web.container');
});

t.test('a section that appears twice is one section', async (t) => {
  const { unit } = parse('[Container]\nImage=a\n[Unit]\nDescription=x\n[Container]\nExec=b\n');
  t.same(
    unit.sections.get('Container')!.map((e) => e.key),
    ['Image', 'Exec'],
  );
});

t.test('comments only at the start of a line', async (t) => {
  const { unit, diagnostics } = parse(`# comment
; also a comment
[Container]
   # indented comment
Image=alpine
Exec=sh -c "echo hi; sleep 10" # not a comment
Environment=A=1;B=2
Label=color=#ff0000
Annotation=x=a # b ; c
`);
  t.same(diagnostics, []);
  t.same(
    unit.sections.get('Container')!.map((e) => [e.key, e.value]),
    [
      ['Image', 'alpine'],
      ['Exec', 'sh -c "echo hi; sleep 10" # not a comment'],
      ['Environment', 'A=1;B=2'],
      ['Label', 'color=#ff0000'],
      ['Annotation', 'x=a # b ; c'],
    ],
  );
});

t.test('a trailing backslash continues the value; comment lines inside are skipped', async (t) => {
  const { unit, diagnostics } = parse(`[Container]
Image=alpine
Exec=/bin/sh \\
  -c \\
# a comment inside the continued value
; another one

  "echo hi"
Label=after=1
`);
  t.same(diagnostics, []);
  const exec = unit.last('Container', 'Exec')!;
  t.equal(exec.value, '/bin/sh -c "echo hi"', 'continued lines are trimmed and joined');
  t.equal(exec.line, 3, 'the entry points at the line where the value starts');
  t.equal(unit.last('Container', 'Label')!.line, 9);
});

t.test('whitespace before a continuation backslash is kept, after it is trimmed', async (t) => {
  const { unit } = parse('[Container]\nExec="/some/binary file" --arg1 \\ \n  "arg 2"\n');
  t.equal(unit.last('Container', 'Exec')!.value, '"/some/binary file" --arg1 "arg 2"');
});

t.test('a backslash on the last line is dropped', async (t) => {
  const { unit, diagnostics } = parse('[Container]\nExec=echo hi \\');
  t.same(diagnostics, []);
  t.equal(unit.last('Container', 'Exec')!.value, 'echo hi ');
});

t.test(
  'a value continued into the end of the file is dropped, as Quadlet drops it, with a warning',
  async (t) => {
    const { unit, diagnostics } = parse('[Container]\nImage=x\nExec=a \\\n\n# c\n');
    t.notOk(unit.has('Container', 'Exec'));
    t.same(
      diagnostics.map((d) => [d.severity, d.line]),
      [['warning', 3]],
    );
    t.match(diagnostics[0]!.message, /continued into the end of the file, so it is ignored/);
  },
);

t.test('a backslash in the middle of a value is not a continuation', async (t) => {
  const { unit } = parse('[Container]\nExec=printf a\\nb\nImage=x\n');
  t.equal(unit.last('Container', 'Exec')!.value, 'printf a\\nb');
  t.equal(unit.last('Container', 'Image')!.value, 'x');
});

t.test('repeated keys accumulate, an empty assignment clears', async (t) => {
  const text = `[Container]
PublishPort=80:80
PublishPort=443:443
Volume=/a:/a
Volume=
Volume=/b:/b
Environment=A=1
Environment=
`;
  t.same(values(text, 'Container', 'PublishPort'), ['80:80', '443:443']);
  t.same(values(text, 'Container', 'Volume'), ['/b:/b']);
  t.same(values(text, 'Container', 'Environment'), []);
  t.same(values(text, 'Container', 'Nothing'), []);
  const { unit } = parse(text);
  t.equal(unit.last('Container', 'Environment')!.value, '', 'last() sees the empty assignment');
  t.ok(unit.has('Container', 'Environment'));
  t.notOk(unit.has('Container', 'Image'));
  t.same(
    unit.keys('Container').map((e) => [e.key, e.line]),
    [
      ['PublishPort', 2],
      ['Volume', 4],
      ['Environment', 7],
    ],
    'keys() lists each key once, at its first line',
  );
});

t.test('lookup trims trailing space and one pair of surrounding double quotes', async (t) => {
  const { unit } = parse(`[Container]
A="quoted value"  
B='single'
C="unbalanced
D=""
E="a" "b"
F=x
F=last   
`);
  t.equal(unit.lookup('Container', 'A')!.value, 'quoted value');
  t.equal(unit.lookup('Container', 'B')!.value, "'single'");
  t.equal(unit.lookup('Container', 'C')!.value, '"unbalanced');
  t.equal(unit.lookup('Container', 'D')!.value, '');
  t.equal(unit.lookup('Container', 'E')!.value, 'a" "b', 'only the outer pair, like Quadlet');
  t.equal(unit.lookup('Container', 'F')!.value, 'last');
  t.equal(unit.lookup('Container', 'F')!.line, 8);
  t.equal(unit.lookup('Container', 'G'), undefined);
});

t.test('merge appends a drop-in section by section', async (t) => {
  const main = parse('[Container]\nImage=a\nPublishPort=1:1\n').unit;
  const drop = parseUnitText(
    '[Container]\nPublishPort=\nImage=b\n[Unit]\nDescription=d\n',
    '/d/10.conf',
    '10.conf',
  ).unit;
  main.merge(drop);
  t.equal(main.lookup('Container', 'Image')!.value, 'b');
  t.equal(main.lookup('Container', 'Image')!.file, '/d/10.conf');
  t.same(main.all('Container', 'PublishPort'), []);
  t.equal(main.lookup('Unit', 'Description')!.value, 'd');
});

t.test('CRLF line endings', async (t) => {
  const { unit, diagnostics } = parse('[Container]\r\nImage=alpine\r\nExec=a \\\r\n b\r\n');
  t.same(diagnostics, []);
  t.equal(unit.lookup('Container', 'Image')!.value, 'alpine');
  t.equal(unit.last('Container', 'Exec')!.value, 'a b');
});

t.test('errors carry the right line numbers; parsing goes on after them', async (t) => {
  const { unit, diagnostics } = parse(`# header comment
Image=too-early
[Container]
Image=alpine
this line has no equals sign
=no key
[]
Exec=lost \\
  continued
[Bad]]
[Unit] trailing
[Service]   
Restart=always
`);
  t.same(
    diagnostics.map((d) => [d.line, d.severity, d.message]),
    [
      [2, 'error', 'Image= appears before any [Section] header'],
      [5, 'error', '"this line has no equals sign" is not a Key=Value line, a [Section] header or a comment'],
      [6, 'error', '"=no key" is not a Key=Value line, a [Section] header or a comment'],
      [7, 'error', 'invalid section name []'],
      [8, 'error', 'Exec= follows the invalid section header on line 7'],
      [10, 'error', '"[Bad]]" is not a Key=Value line, a [Section] header or a comment'],
      [11, 'error', '"[Unit] trailing" is not a Key=Value line, a [Section] header or a comment'],
    ],
  );
  t.ok(
    diagnostics.every((d) => d.file === '/units/web.container'),
    'every diagnostic names the file',
  );
  t.equal(unit.lookup('Container', 'Image')!.value, 'alpine');
  t.equal(unit.lookup('Service', 'Restart')!.value, 'always', 'later sections still parsed');
  t.notOk(unit.has('Container', 'Exec'), 'keys after an invalid section header belong to no section');
});

t.test('an error inside a continued value points at its first line', async (t) => {
  const { diagnostics } = parse('[Container]\nImage=x\nnot a \\\n  key\n');
  t.same(
    diagnostics.map((d) => d.line),
    [3],
  );
});

t.test('empty and comment-only files', async (t) => {
  t.same(parse('').diagnostics, []);
  t.same([...parse('').unit.sections.keys()], []);
  t.same(parse('# only\n; comments\n\n').diagnostics, []);
});
