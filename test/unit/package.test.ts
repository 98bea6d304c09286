// The installable artifacts' pure parts (tools/package.mjs, tools/licenses.mjs): the Debian version
// and dependency taken from package.json, the control file, the Buildroot tree, and which bundled
// packages' notices go with the bundle. The artifacts themselves are built and installed by
// test/testbed/cleanroot.test.ts.

import t from 'tap';
// @ts-expect-error: an untyped .mjs tool
import { bundledPackageDirs } from '../../tools/licenses.mjs';
// @ts-expect-error: an untyped .mjs tool
import * as tool from '../../tools/package.mjs';

const { buildrootTree, COMMAND, CONFFILE, debControl, debVersion, LAYOUT, nodeDepends } = tool;

const PKG = {
  name: 'finit-pods',
  version: '1.2.3',
  description: 'Podman Quadlet container units, supervised by Finit',
  license: 'MIT',
  engines: { node: '>=20.19' },
};

t.test('debVersion: a release as it is, a prerelease sorting before its release', async (t) => {
  t.equal(debVersion('0.1.0'), '0.1.0');
  t.equal(debVersion('1.0.0-rc.1'), '1.0.0~rc.1');
  t.equal(debVersion('1.0.0-rc-2'), '1.0.0~rc.2', 'only the first - is the prerelease mark');
  t.equal(debVersion('1.0.0+build.5'), '1.0.0+build.5');
  t.throws(() => debVersion('v1.0'), /not a version Debian can take/);
});

t.test('nodeDepends: engines.node ">=X" and nothing else', async (t) => {
  t.equal(nodeDepends('>=20.19'), 'nodejs (>= 20.19)');
  t.equal(nodeDepends('>= 22'), 'nodejs (>= 22)');
  for (const bad of ['^20', '20.x', '>=20 <23', undefined])
    t.throws(() => nodeDepends(bad), /only ">=VERSION"/, String(bad));
});

t.test('debControl: the fields dpkg and a Debian user expect', async (t) => {
  const text: string = debControl(PKG, 812);
  t.match(text, /^Package: finit-pods$/m);
  t.match(text, /^Version: 1\.2\.3$/m);
  t.match(text, /^Architecture: all$/m);
  t.match(text, /^Installed-Size: 812$/m);
  t.match(text, /^Depends: nodejs \(>= 20\.19\), podman, finit$/m);
  t.match(text, /^Recommends: socat$/m, "Notify=true's relay");
  t.match(text, /^Maintainer: finit-pods maintainers$/m, 'no author: the project');
  t.match(debControl({ ...PKG, author: { name: 'A <a@b.c>' } }, 1), /^Maintainer: A <a@b\.c>$/m);
  t.match(text, /\nDescription: Podman Quadlet container units, supervised by Finit\n( \S.*\n)+$/);
  t.ok(text.endsWith('\n'), 'ends with a newline');
});

t.test('the layout: the command, its files and the conffile', async (t) => {
  const installed = LAYOUT.map(([, to]: [string, string]) => to);
  t.ok(installed.includes(CONFFILE), 'the stanza is installed where the conffile says');
  t.equal(CONFFILE, '/etc/finit.d/available/finit-pods.conf');
  t.same(COMMAND, ['/usr/bin/finit-pods', '../lib/finit-pods/dist/cli/launch.cjs']);
  t.ok(installed.includes('/usr/lib/finit-pods/dist/cli/launch.cjs'), 'the link has its target');
  t.ok(
    LAYOUT.every(([from]: [string]) => !from.includes('node_modules')),
    'nothing from node_modules',
  );
});

t.test('buildrootTree: a BR2_EXTERNAL tree with package/finit-pods', async (t) => {
  const tree: Record<string, string> = buildrootTree(PKG, 'finit-pods-1.2.3.tgz', 'ab'.repeat(32), {
    LICENSE: 'cd'.repeat(32),
    'dist/finit-pods.licenses': 'ef'.repeat(32),
  });
  t.same(Object.keys(tree).sort(), [
    'Config.in',
    'external.desc',
    'external.mk',
    'package/finit-pods/Config.in',
    'package/finit-pods/finit-pods.hash',
    'package/finit-pods/finit-pods.mk',
  ]);
  t.match(tree['external.desc'], /^name: FINIT_PODS$/m);
  t.match(tree['Config.in'], '$BR2_EXTERNAL_FINIT_PODS_PATH/package/finit-pods/Config.in');
  const mk = tree['package/finit-pods/finit-pods.mk']!;
  t.match(mk, /^FINIT_PODS_VERSION = 1\.2\.3$/m);
  t.match(mk, /^FINIT_PODS_SOURCE = finit-pods-1\.2\.3\.tgz$/m);
  t.match(mk, /^FINIT_PODS_SITE_METHOD = file$/m);
  t.match(mk, /\$\(eval \$\(generic-package\)\)\n$/);
  t.notMatch(mk, /\.cache/, 'no code cache: the device runs another Node');
  t.match(mk, 'ln -sf ../available/finit-pods.conf', 'the stanza enabled, as Infix enables its services');
  t.match(mk, /^FINIT_PODS_LICENSE = MIT$/m);
  t.match(mk, /^FINIT_PODS_LICENSE_FILES = LICENSE dist\/finit-pods\.licenses$/m);
  t.equal(
    tree['package/finit-pods/finit-pods.hash'],
    '# Locally computed (tools/package.mjs)\n' +
      `sha256  ${'ab'.repeat(32)}  finit-pods-1.2.3.tgz\n` +
      `sha256  ${'cd'.repeat(32)}  LICENSE\n` +
      `sha256  ${'ef'.repeat(32)}  dist/finit-pods.licenses\n`,
    'the tarball and each license file, as legal-info checks them',
  );
  const help = tree['package/finit-pods/Config.in']!.split('\n').filter((l) => l.startsWith('\t  '));
  t.ok(help.length > 0 && help.every((l) => l.length <= 65), "help lines within Buildroot's 62 columns");
});

t.test("debCopyright: finit-pods' license text, then the bundled packages' notices", async (t) => {
  const text: string = tool.debCopyright(PKG, 'MIT License\n\nCopyright (c) x\n', 'pino: MIT\n');
  t.equal(text, 'finit-pods 1.2.3\n\nLicense: MIT\n\nMIT License\n\nCopyright (c) x\n\npino: MIT\n');
});

t.test('bundledPackageDirs: each package a bundled file came from, scoped and nested ones too', async (t) => {
  t.same(
    bundledPackageDirs([
      'dist/cli/main.js',
      'node_modules/pino/pino.js',
      'node_modules/pino/lib/proto.js',
      'node_modules/@pinojs/redact/index.js',
      'node_modules/a/node_modules/b/x.js',
    ]),
    ['node_modules/@pinojs/redact', 'node_modules/a/node_modules/b', 'node_modules/pino'],
  );
});
