// Unit discovery and drop-ins (src/parse/load.ts): Quadlet's drop-in search order, templates and
// instances (as files and as symlinks), and editor/tool files that must never be read as units.

import { join } from 'node:path';
import t from 'tap';
import { dropinDirs, isIgnoredName, listUnitNames, loadUnit, parseUnitName } from '../../src/parse/load.js';

const name = (f: string) => {
  const n = parseUnitName(f);
  if (!n) throw new Error(`not a unit name: ${f}`);
  return n;
};

t.test('parseUnitName', async (t) => {
  t.same(parseUnitName('web.container'), {
    filename: 'web.container',
    kind: 'container',
    stem: 'web',
    prefix: 'web',
    instance: '',
    isTemplate: false,
  });
  t.same(parseUnitName('web@.container'), {
    filename: 'web@.container',
    kind: 'container',
    stem: 'web@',
    prefix: 'web',
    instance: '',
    isTemplate: true,
  });
  t.same(parseUnitName('web@a.b.container'), {
    filename: 'web@a.b.container',
    kind: 'container',
    stem: 'web@a.b',
    prefix: 'web',
    instance: 'a.b',
    isTemplate: false,
  });
  t.equal(parseUnitName('db.network')?.kind, 'network');
  t.equal(parseUnitName('data.volume')?.kind, 'volume');
  for (const k of ['pod', 'kube', 'image', 'build', 'artifact']) {
    t.equal(parseUnitName(`x.${k}`)?.kind, k, `.${k} is recognised`);
  }
  for (const f of ['web.service', 'web', '.container', 'web.container.d', 'web.conf', 'web.Container']) {
    t.equal(parseUnitName(f), undefined, `${f} is not a unit`);
  }
});

t.test('dropinDirs: most specific first, as Quadlet searches', async (t) => {
  t.same(dropinDirs(name('web.container')), ['web.container.d', 'container.d']);
  t.same(dropinDirs(name('foo-bar-baz.container')), [
    'foo-bar-baz.container.d',
    'foo-bar-.container.d',
    'foo-.container.d',
    'container.d',
  ]);
  t.same(dropinDirs(name('web@.container')), ['web@.container.d', 'container.d']);
  t.same(dropinDirs(name('web@1.container')), ['web@1.container.d', 'web@.container.d', 'container.d']);
  t.same(dropinDirs(name('foo-bar@baz.container')), [
    'foo-bar@baz.container.d',
    'foo-bar@.container.d',
    'foo-@.container.d',
    'foo-.container.d',
    'container.d',
  ]);
  t.same(
    dropinDirs(name('my-net.network')),
    ['my-net.network.d', 'my-.network.d', 'network.d'],
    'other unit kinds use their own suffix',
  );
  t.same(
    dropinDirs(name('foo@bar-baz.container')),
    ['foo@bar-baz.container.d', 'foo@.container.d', 'container.d'],
    'the instance part is never truncated',
  );
});

t.test('drop-ins: search order, shadowing by name, alphabetical merge', async (t) => {
  const dir = t.testdir({
    'foo-bar@baz.container': '[Container]\nImage=main\nPublishPort=main\n',
    'container.d': {
      '05-first.conf': '[Container]\nPublishPort=type-wide\n',
      '50-shadow.conf': '[Container]\nPublishPort=type-wide-shadowed\n',
      'notes.txt': '[Container]\nPublishPort=not-a-conf\n',
      '.hidden.conf': '[Container]\nPublishPort=hidden\n',
      '10.conf~': '[Container]\nPublishPort=backup\n',
    },
    'foo-.container.d': { '20-trunc.conf': '[Container]\nPublishPort=truncated\n' },
    'foo-@.container.d': { '25-trunc-tmpl.conf': '[Container]\nPublishPort=truncated-template\n' },
    'foo-bar@.container.d': {
      '30-tmpl.conf': '[Container]\nPublishPort=template\n',
      '50-shadow.conf': '[Container]\nPublishPort=template-shadowed\n',
    },
    'foo-bar@baz.container.d': {
      '40-own.conf': '[Container]\nPublishPort=own\nImage=override\n',
      '50-shadow.conf': '[Container]\nPublishPort=own-shadow\n',
    },
    'other.container.d': { '00.conf': '[Container]\nPublishPort=other-unit\n' },
    'foo-bar.container.d': { '00.conf': '[Container]\nPublishPort=not-the-instance\n' },
  });
  const l = loadUnit(dir, name('foo-bar@baz.container'));
  t.same(l.diagnostics, []);
  t.same(
    l.unit.all('Container', 'PublishPort').map((e) => e.value),
    ['main', 'type-wide', 'truncated', 'truncated-template', 'template', 'own', 'own-shadow'],
  );
  t.equal(l.unit.lookup('Container', 'Image')!.value, 'override', 'a later drop-in wins for single keys');
  t.same(
    l.sources.map((s) => s.slice(dir.length + 1)),
    [
      'foo-bar@baz.container',
      'container.d/05-first.conf',
      'foo-.container.d/20-trunc.conf',
      'foo-@.container.d/25-trunc-tmpl.conf',
      'foo-bar@.container.d/30-tmpl.conf',
      'foo-bar@baz.container.d/40-own.conf',
      'foo-bar@baz.container.d/50-shadow.conf',
    ],
  );
});

t.test('drop-in lines keep their own file and line; an empty value in a drop-in resets', async (t) => {
  const dir = t.testdir({
    'web.container': '[Container]\nImage=a\nVolume=/a:/a\nVolume=/b:/b\n',
    'web.container.d': { 'x.conf': '# reset\n[Container]\nVolume=\nVolume=/c:/c\nbroken line\n' },
  });
  const l = loadUnit(dir, name('web.container'));
  t.same(
    l.unit.all('Container', 'Volume').map((e) => [e.value, e.file.slice(dir.length + 1), e.line]),
    [['/c:/c', 'web.container.d/x.conf', 4]],
  );
  t.same(
    l.diagnostics.map((d) => [d.file.slice(dir.length + 1), d.line]),
    [['web.container.d/x.conf', 5]],
    'a syntax error in a drop-in points into the drop-in',
  );
});

t.test('templates and instances', async (t) => {
  const dir = t.testdir({
    'web@.container': '[Container]\nImage=web\nExec=serve %i\n',
    'web@.container.d': { 'tmpl.conf': '[Container]\nLabel=from=template\n' },
    'web@a.container': '[Container]\nImage=own-file\n',
    'web@b.container': t.fixture('symlink', 'web@.container'),
    'web@b.container.d': { 'b.conf': '[Container]\nLabel=b=1\n' },
  });
  const names = listUnitNames(dir);
  t.same(
    names.map((n) => [n.filename, n.isTemplate, n.instance]),
    [
      ['web@.container', true, ''],
      ['web@a.container', false, 'a'],
      ['web@b.container', false, 'b'],
    ],
  );
  const a = loadUnit(dir, name('web@a.container'));
  t.equal(a.unit.lookup('Container', 'Image')!.value, 'own-file', 'an instance file is read as itself');
  t.same(
    a.unit.all('Container', 'Label').map((e) => e.value),
    ['from=template'],
    "the template's drop-ins apply to a file instance",
  );
  const b = loadUnit(dir, name('web@b.container'));
  t.equal(b.unit.lookup('Container', 'Image')!.value, 'web', 'a symlinked instance reads the template');
  t.same(
    b.unit.all('Container', 'Label').map((e) => e.value),
    ['b=1', 'from=template'],
    "template's and the instance's drop-ins, alphabetically by file name",
  );
  t.equal(b.unit.path, join(dir, 'web@b.container'), 'the unit keeps the instance path');
  t.equal(b.unit.filename, 'web@b.container');
});

t.test('editor and tool files are never units', async (t) => {
  for (const f of [
    '.web.container.swp',
    '.web.container',
    'web.container~',
    '4913',
    '#web.container#',
    '.#web.container',
    'web.container.swp',
    'web.container.swx',
    'web.container.tmp',
    'web.container.bak',
    'web.container.orig',
    'web.container.rej',
    'web.container.dpkg-old',
    'web.container.dpkg-new',
  ]) {
    t.ok(isIgnoredName(f), `${f} is ignored`);
  }
  for (const f of ['web.container', 'web@1.container', '10-override.conf', '4913.container']) {
    t.notOk(isIgnoredName(f), `${f} is read`);
  }
  const dir = t.testdir({
    'web.container': '[Container]\nImage=a\n',
    '.web.container': 'garbage',
    '.hidden@x.container': 'garbage',
    'web.container~': 'garbage',
    '#db.container#': 'garbage',
    '4913': '',
    '.web.container.swp': 'garbage',
    'a.network': '[Network]\n',
    'notes.txt': 'x',
    'sub.container': {},
    'web.container.d': {
      '.10.conf.swp': 'garbage',
      '10.conf~': 'garbage',
      '20.conf': '[Container]\nLabel=a=1\n',
    },
  });
  t.same(
    listUnitNames(dir).map((n) => n.filename),
    ['a.network', 'web.container'],
    'a directory named like a unit is skipped too',
  );
  const l = loadUnit(dir, name('web.container'));
  t.same(l.diagnostics, []);
  t.same(
    l.sources.map((s) => s.slice(dir.length + 1)),
    ['web.container', 'web.container.d/20.conf'],
  );
});

t.test('listUnitNames sorts by file name and throws for a missing directory', async (t) => {
  const dir = t.testdir({ 'b.volume': '', 'a.container': '', 'B.container': '', 'a.network': '' });
  t.same(
    listUnitNames(dir).map((n) => n.filename),
    ['B.container', 'a.container', 'a.network', 'b.volume'],
  );
  t.throws(() => listUnitNames(join(dir, 'missing')));
});

t.test('unreadable files become diagnostics, not exceptions', async (t) => {
  const dir = t.testdir({ 'web.container.d': { '10.conf': '[Container]\nLabel=a=1\n' } });
  const l = loadUnit(dir, name('web.container'));
  t.equal(l.diagnostics.length, 1);
  t.equal(l.diagnostics[0]!.file, join(dir, 'web.container'));
  t.equal(l.diagnostics[0]!.line, 0);
  t.match(l.diagnostics[0]!.message, /^cannot read: /);
  const failing = loadUnit(dir, name('web.container'), (p) => {
    if (p.endsWith('.conf')) throw new Error('EACCES');
    return { text: '[Container]\nImage=a\n', mode: 0o644, badUtf8Lines: [] };
  });
  t.same(
    failing.diagnostics.map((d) => [d.file.slice(dir.length + 1), d.message]),
    [['web.container.d/10.conf', 'cannot read drop-in: EACCES']],
  );
});
