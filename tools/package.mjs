#!/usr/bin/env node
// npm run package: finit-pods in the three forms a device image or a host installs it from
// (docs/install.md), written to dist/package/ with their sizes printed:
//   finit-pods-VERSION.tgz       `npm pack`: the bundle (chokidar inside, so no
//                                node_modules at run time), the man page, finit.d/finit-pods.conf
//   finit-pods_VERSION_all.deb   that package laid out as Debian has it (dpkg-deb)
//   buildroot/                   a BR2_EXTERNAL tree with package/finit-pods, the tarball beside it
//
//   node tools/package.mjs [--no-build] [--out DIR] [tgz|deb|buildroot...]
//
// The build (tsc, bundle, man page) runs first, after `npm ci` when node_modules is missing;
// --no-build packs dist/ as it is (the clean-root test: other tests may be reading dist/).
// The .deb and buildroot/ are made from the tarball, so all three carry the same files.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the package's files go on a device: [path in the package, installed path, mode]. */
export const LAYOUT = [
  ['package.json', '/usr/lib/finit-pods/package.json', 0o644],
  ['dist/finit-pods.cjs', '/usr/lib/finit-pods/dist/finit-pods.cjs', 0o644],
  ['dist/finit-pods.cjs.cache', '/usr/lib/finit-pods/dist/finit-pods.cjs.cache', 0o644],
  ['dist/cli/launch.cjs', '/usr/lib/finit-pods/dist/cli/launch.cjs', 0o755],
  ['dist/finit-pods.1', '/usr/share/man/man1/finit-pods.1', 0o644],
  ['finit.d/finit-pods.conf', '/etc/finit.d/available/finit-pods.conf', 0o644],
];
/** The command: a link to the launcher, which finds the bundle beside itself. */
export const COMMAND = ['/usr/bin/finit-pods', '../lib/finit-pods/dist/cli/launch.cjs'];
/** The one configuration file: a conffile in the .deb, kept when the admin changed it. */
export const CONFFILE = '/etc/finit.d/available/finit-pods.conf';

/** An npm version as Debian orders it: a prerelease (1.0.0-rc.1) sorts before its release (~). */
export function debVersion(version) {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version))
    throw new Error(`package.json version ${version}: not a version Debian can take`);
  return version.replace(/-/, '~').replace(/-/g, '.');
}

/** package.json's engines.node (">=20.19") as a Debian dependency on nodejs. */
export function nodeDepends(range) {
  const m = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range?.trim() ?? '');
  if (!m) throw new Error(`engines.node ${range}: only ">=VERSION" maps to a Debian dependency`);
  return `nodejs (>= ${m[1]})`;
}

/** The .deb's DEBIAN/control. */
export function debControl(pkg, installedKiB) {
  const author = typeof pkg.author === 'object' ? pkg.author?.name : pkg.author;
  return `${[
    `Package: ${pkg.name}`,
    `Version: ${debVersion(pkg.version)}`,
    'Architecture: all',
    `Maintainer: ${author || `${pkg.name} maintainers`}`,
    `Installed-Size: ${installedKiB}`,
    `Depends: ${nodeDepends(pkg.engines?.node)}, podman, finit`,
    // Notify=true's relay (see docs/units.md, Readiness)
    'Recommends: socat',
    'Section: admin',
    'Priority: optional',
    `Description: ${pkg.description}`,
    ' Podman Quadlet units (NAME.container, .pod, .kube, .network, .volume,',
    ' .image, .build, .artifact) dropped into /cfg/containers become Finit',
    ' services. A daemon, itself a Finit service (enable it with',
    ' "initctl enable finit-pods"), applies every change as it is made and',
    ' recovers the pods after a power cut.',
  ].join('\n')}\n`;
}

/** finit-pods' own license, then the notices of the packages bundled into it. */
export const LICENSE_FILES = ['LICENSE', 'dist/finit-pods.licenses'];

/** The .deb's copyright file: finit-pods' license text, then the bundled packages' notices. */
export function debCopyright(pkg, license, notices) {
  return `${pkg.name} ${pkg.version}\n\nLicense: ${pkg.license}\n\n${license.trimEnd()}\n\n${notices}`;
}

/** buildroot/: a BR2_EXTERNAL tree (as Infix's is laid out) with package/finit-pods. */
/** `licenses`: each of LICENSE_FILES → its sha256 (Buildroot's legal-info checks them). */
export function buildrootTree(pkg, source, sha256, licenses = {}) {
  const upper = pkg.name.toUpperCase().replace(/-/g, '_');
  const dir = `package/${pkg.name}`;
  // the code cache is left out: V8 refuses one made by another Node, and a device's is
  // Buildroot's own build, for another CPU
  const install = LAYOUT.filter(([from]) => !from.endsWith('.cache')).map(
    ([from, to, mode]) =>
      `\t$(INSTALL) -D -m ${mode.toString(8).padStart(4, '0')} $(@D)/${from} \\\n\t\t$(TARGET_DIR)${to}`,
  );
  const banner = `${'#'.repeat(80)}\n#\n# ${pkg.name}\n#\n${'#'.repeat(80)}\n`;
  return {
    'external.desc': `name: ${upper}\ndesc: ${pkg.description}\n`,
    'external.mk': `include $(sort $(wildcard $(BR2_EXTERNAL_${upper}_PATH)/package/*/*.mk))\n`,
    'Config.in': `source "$BR2_EXTERNAL_${upper}_PATH/${dir}/Config.in"\n`,
    [`${dir}/Config.in`]: `config BR2_PACKAGE_${upper}
\tbool "${pkg.name}"
\tdepends on BR2_PACKAGE_NODEJS
\tdepends on BR2_PACKAGE_PODMAN
\thelp
\t  Podman Quadlet container units, supervised by Finit: units
\t  in /cfg/containers become Finit services, applied by a
\t  daemon that is itself a Finit service
\t  (/etc/finit.d/enabled/${pkg.name}.conf).
\t  Notify=true needs socat (BR2_PACKAGE_SOCAT).

comment "${pkg.name} needs nodejs and podman"
\tdepends on !BR2_PACKAGE_NODEJS || !BR2_PACKAGE_PODMAN
`,
    [`${dir}/${pkg.name}.mk`]: `${banner}
${upper}_VERSION = ${pkg.version}
${upper}_SOURCE = ${source}
# the npm package, beside this file
${upper}_SITE = $(${upper}_PKGDIR)
${upper}_SITE_METHOD = file
${upper}_LICENSE = ${pkg.license}
${upper}_LICENSE_FILES = ${LICENSE_FILES.join(' ')}

define ${upper}_INSTALL_TARGET_CMDS
${install.join('\n')}
\tln -sf ${COMMAND[1]} $(TARGET_DIR)${COMMAND[0]}
\tmkdir -p $(TARGET_DIR)/etc/finit.d/enabled
\tln -sf ../available/${pkg.name}.conf \\
\t\t$(TARGET_DIR)/etc/finit.d/enabled/${pkg.name}.conf
endef

$(eval $(generic-package))
`,
    [`${dir}/${pkg.name}.hash`]: `# Locally computed (tools/package.mjs)\n${[
      [sha256, source],
      ...LICENSE_FILES.filter((f) => licenses[f]).map((f) => [licenses[f], f]),
    ]
      .map(([h, f]) => `sha256  ${h}  ${f}\n`)
      .join('')}`,
  };
}

/** Runs a program with a timeout; throws with its output when it fails. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 600_000, ...opts });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')}: ${r.error?.message ?? `exit ${r.status}`}\n${r.stdout}${r.stderr}`,
    );
  return r.stdout;
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every file and link under dir, as paths relative to it. */
function walk(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  );
}

function packTgz(out) {
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out]));
  return join(out, info.filename);
}

function makeDeb(pkg, tgz, out) {
  const work = mkdtempSync(join(out, '.deb-'));
  try {
    run('tar', ['-xzf', tgz, '-C', work]);
    const from = join(work, 'package');
    const stage = join(work, 'root');
    const put = (to, data, mode) => {
      mkdirSync(dirname(join(stage, to)), { recursive: true });
      writeFileSync(join(stage, to), data);
      chmodSync(join(stage, to), mode);
    };
    for (const [src, to, mode] of LAYOUT) {
      const data = readFileSync(join(from, src));
      // Debian's man pages are gzipped (without a name or a time in the header: reproducible)
      if (to.startsWith('/usr/share/man/')) put(`${to}.gz`, gzipSync(data, { level: 9 }), mode);
      else put(to, data, mode);
    }
    const doc = `/usr/share/doc/${pkg.name}`;
    put(
      `${doc}/copyright`,
      debCopyright(
        pkg,
        readFileSync(join(from, 'LICENSE'), 'utf8'),
        readFileSync(join(from, 'dist/finit-pods.licenses'), 'utf8'),
      ),
      0o644,
    );
    put(`${doc}/README.md`, readFileSync(join(from, 'README.md')), 0o644);
    if (existsSync(join(from, 'docs')))
      for (const f of readdirSync(join(from, 'docs')))
        put(`${doc}/${f}`, readFileSync(join(from, 'docs', f)), 0o644);
    mkdirSync(dirname(join(stage, COMMAND[0])), { recursive: true });
    symlinkSync(COMMAND[1], join(stage, COMMAND[0]));

    const files = walk(stage);
    const kib = files.reduce((n, f) => n + Math.max(1, Math.ceil(lstatSync(join(stage, f)).size / 1024)), 0);
    const md5 = files
      .filter((f) => lstatSync(join(stage, f)).isFile() && `/${f}` !== CONFFILE)
      .map(
        (f) =>
          `${createHash('md5')
            .update(readFileSync(join(stage, f)))
            .digest('hex')}  ${f}\n`,
      )
      .join('');
    put('DEBIAN/control', debControl(pkg, kib), 0o644);
    put('DEBIAN/conffiles', `${CONFFILE}\n`, 0o644);
    put('DEBIAN/md5sums', md5, 0o644);
    const deb = join(out, `${pkg.name}_${debVersion(pkg.version)}_all.deb`);
    run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb]);
    return { deb, installedKiB: kib };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function makeBuildroot(pkg, tgz, out) {
  const dir = join(out, 'buildroot');
  rmSync(dir, { recursive: true, force: true });
  const licenses = Object.fromEntries(LICENSE_FILES.map((f) => [f, sha256(join(root, f))]));
  const files = buildrootTree(pkg, tgz.split('/').pop(), sha256(tgz), licenses);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  cpSync(tgz, join(dir, 'package', pkg.name, tgz.split('/').pop()));
  return dir;
}

function size(path) {
  const st = statSync(path);
  const bytes = st.isDirectory() ? walk(path).reduce((n, f) => n + statSync(join(path, f)).size, 0) : st.size;
  return `${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`;
}

function main(argv) {
  const noBuild = argv.includes('--no-build');
  const outAt = argv.indexOf('--out');
  const out = resolve(outAt >= 0 ? argv[outAt + 1] : join(root, 'dist', 'package'));
  const wanted = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--out');
  const bad = wanted.filter((w) => !['tgz', 'deb', 'buildroot'].includes(w));
  if (bad.length > 0) throw new Error(`unknown artifact ${bad.join(', ')} (tgz, deb, buildroot)`);
  const want = (what) => wanted.length === 0 || wanted.includes(what);

  if (!noBuild) {
    if (!existsSync(join(root, 'node_modules', '.bin', 'tsc'))) run('npm', ['ci', '--no-audit', '--no-fund']);
    run('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  mkdirSync(out, { recursive: true });
  const tgz = packTgz(out);
  const shown = (p) => relative(process.cwd(), p) || '.';
  if (want('tgz')) console.log(`${shown(tgz)}: ${size(tgz)}`);
  if (want('deb')) {
    const { deb, installedKiB } = makeDeb(pkg, tgz, out);
    console.log(`${shown(deb)}: ${size(deb)}, installed ${installedKiB} KiB`);
  }
  if (want('buildroot')) {
    const dir = makeBuildroot(pkg, tgz, out);
    console.log(`${shown(dir)}/: ${size(dir)}, the tarball included`);
  }
  if (!want('tgz')) rmSync(tgz);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`package: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
