// [Build] units → `podman build` argv (src/model/build.ts): one case per key of BUILD_KEYS with
// the exact argv, SetWorkingDirectory='s context and working directory as Quadlet computes them,
// the inputs apply hashes, the units a build needs, and its errors.

import { resolve } from 'node:path';
import t from 'tap';
import { translateBuild } from '../../src/model/build.js';
import { BUILD_KEYS } from '../../src/model/keys.js';
import { loadUnit, translated } from '../helpers/units.js';

const P = '/usr/bin/podman';
const TAG = ['--tag', 'localhost/app'];

/** Units beside the build under test. */
const BESIDE = [
  loadUnit('db.network', '[Network]\nNetworkName=db-net\n'),
  loadUnit('web.container', '[Container]\nImage=img\n'),
  loadUnit('cache.volume', '[Volume]\n'),
];

function build(text: string, dir = '/units') {
  const r = translated(translateBuild, loadUnit('app.build', text, dir), BESIDE);
  return { ...r, wd: r.model?.commands.workingDirectory };
}

interface Case {
  /** Lines of [Build], after `ImageTag=localhost/app` and `SetWorkingDirectory=unit` unless `bare`. */
  lines: string;
  bare?: boolean;
  /** The arguments between `--tag localhost/app` and the context `/units` (not `bare`). */
  want?: string[];
  /** The whole argv. */
  argv?: string[];
  /** commands.workingDirectory; null: none. */
  wd?: string | null;
  inputs?: string[];
  needs?: string[];
  resource?: string;
  errors?: RegExp[];
  warnings?: RegExp[];
}

const HEAD = 'ImageTag=localhost/app\nSetWorkingDirectory=unit\n';

const CASES: Record<string, Case[]> = {
  ImageTag: [
    {
      lines: '',
      argv: [P, 'build', ...TAG, '/units'],
      resource: 'localhost/app',
      wd: '/units',
      inputs: ['/units'],
      needs: [],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app:v1\nImageTag=localhost/app:latest\nSetWorkingDirectory=unit',
      argv: [P, 'build', '--tag', 'localhost/app:v1', '--tag', 'localhost/app:latest', '/units'],
      resource: 'localhost/app:v1',
    },
    { bare: true, lines: 'SetWorkingDirectory=unit', errors: [/^no ImageTag key specified/] },
    {
      bare: true,
      lines: 'ImageTag=localhost/old\nImageTag=\nSetWorkingDirectory=unit',
      errors: [/^no ImageTag key specified/],
    },
  ],
  GlobalArgs: [
    {
      lines: 'GlobalArgs=--identity=path=/etc/identity\nGlobalArgs=--syslog --log-level=debug',
      argv: [P, '--identity=path=/etc/identity', '--syslog', '--log-level=debug', 'build', ...TAG, '/units'],
    },
  ],
  ContainersConfModule: [
    {
      lines: 'GlobalArgs=--debug\nContainersConfModule=/etc/1.conf',
      argv: [P, '--module=/etc/1.conf', '--debug', 'build', ...TAG, '/units'],
    },
  ],
  Pull: [
    { lines: 'Pull=never', argv: [P, 'build', '--pull=never', ...TAG, '/units'] },
    { lines: 'Pull=never\nPull=', argv: [P, 'build', ...TAG, '/units'] },
  ],
  Arch: [{ lines: 'Arch=aarch64', argv: [P, 'build', '--arch', 'aarch64', ...TAG, '/units'] }],
  AuthFile: [
    {
      lines: 'AuthFile=/etc/auth.json',
      argv: [P, 'build', '--authfile', '/etc/auth.json', ...TAG, '/units'],
    },
  ],
  IgnoreFile: [
    {
      lines: 'IgnoreFile=/path/.customignore',
      argv: [P, 'build', '--ignorefile', '/path/.customignore', ...TAG, '/units'],
      inputs: ['/units', '/path/.customignore'],
    },
    {
      lines: 'IgnoreFile=.myignore',
      argv: [P, 'build', '--ignorefile', '.myignore', ...TAG, '/units'],
      inputs: ['/units', '/units/.myignore'],
    },
  ],
  Target: [{ lines: 'Target=my-app', argv: [P, 'build', '--target', 'my-app', ...TAG, '/units'] }],
  Variant: [{ lines: 'Variant=arm/v7', argv: [P, 'build', '--variant', 'arm/v7', ...TAG, '/units'] }],
  Retry: [{ lines: 'Retry=5', argv: [P, 'build', '--retry', '5', ...TAG, '/units'] }],
  RetryDelay: [{ lines: 'RetryDelay=10s', argv: [P, 'build', '--retry-delay', '10s', ...TAG, '/units'] }],
  TLSVerify: [{ lines: 'TLSVerify=no', argv: [P, 'build', '--tls-verify=false', ...TAG, '/units'] }],
  ForceRM: [
    { lines: 'ForceRM=no', argv: [P, 'build', '--force-rm=false', ...TAG, '/units'] },
    { lines: 'ForceRM=yes', argv: [P, 'build', '--force-rm', ...TAG, '/units'] },
  ],
  DNS: [
    {
      lines: 'DNS=8.7.7.7\nDNS=8.8.8.8',
      argv: [P, 'build', '--dns', '8.7.7.7', '--dns', '8.8.8.8', ...TAG, '/units'],
    },
  ],
  DNSOption: [
    { lines: 'DNSOption=ndots:1', argv: [P, 'build', '--dns-option', 'ndots:1', ...TAG, '/units'] },
  ],
  DNSSearch: [
    { lines: 'DNSSearch=foo.com', argv: [P, 'build', '--dns-search', 'foo.com', ...TAG, '/units'] },
  ],
  GroupAdd: [
    {
      lines: 'GroupAdd=keep-groups\nGroupAdd=users',
      argv: [P, 'build', '--group-add', 'keep-groups', '--group-add', 'users', ...TAG, '/units'],
    },
  ],
  BuildArg: [
    {
      lines: 'BuildArg=FOO=BAR "B=two words"',
      want: ['--build-arg', 'B=two words', '--build-arg', 'FOO=BAR'],
    },
  ],
  Environment: [
    {
      lines: 'Environment=FOO1=foo1 REPLACE=replace\nEnvironment=REPLACE=replaced',
      want: ['--env', 'FOO1=foo1', '--env', 'REPLACE=replaced'],
    },
  ],
  Label: [
    { lines: 'Label=org.foo.b=2 org.foo.a=1', want: ['--label', 'org.foo.a=1', '--label', 'org.foo.b=2'] },
  ],
  Annotation: [{ lines: 'Annotation=org.foo.Arg0=arg0', want: ['--annotation', 'org.foo.Arg0=arg0'] }],
  Network: [
    { lines: 'Network=host', want: ['--network', 'host'], needs: [] },
    { lines: 'Network=db.network', want: ['--network', 'db-net'], needs: ['db.network'] },
    { lines: 'Network=web.container', want: ['--network', 'container:web'], needs: ['web.container'] },
    {
      lines: 'Network=gone.network',
      errors: [/Network=: Quadlet unit gone\.network was not found in \/units/],
    },
  ],
  Secret: [
    {
      lines: 'Secret=mysecret\nSecret=id=mysecret,src=mysecret.txt',
      want: ['--secret', 'mysecret', '--secret', 'id=mysecret,src=mysecret.txt'],
    },
  ],
  Volume: [
    {
      lines: 'Volume=./cache:/root/.cache:z\nVolume=cache.volume:/var/cache\nVolume=/srv:/srv',
      want: ['-v', '/units/cache:/root/.cache:z', '-v', 'cache:/var/cache', '-v', '/srv:/srv'],
      needs: ['cache.volume'],
    },
  ],
  File: [
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nFile=/etc/containers/Containerfile',
      argv: [P, 'build', ...TAG, '--file', '/etc/containers/Containerfile'],
      wd: null,
      inputs: ['/etc/containers', '/etc/containers/Containerfile'],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nFile=https://example.com/Containerfile',
      argv: [P, 'build', ...TAG, '--file', 'https://example.com/Containerfile'],
      wd: null,
      inputs: [],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nFile=Containerfile',
      errors: [/^\[Build\] File=: relative path in File key requires SetWorkingDirectory key to be set$/],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nSetWorkingDirectory=.\nFile=sub/Containerfile',
      argv: [P, 'build', ...TAG, '--file', 'sub/Containerfile', '.'],
      wd: '/units',
      inputs: ['/units', '/units/sub/Containerfile'],
    },
  ],
  SetWorkingDirectory: [
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nSetWorkingDirectory=file\nFile=Containerfile',
      argv: [P, 'build', ...TAG, '--file', 'Containerfile', '/units'],
      wd: '/units',
      inputs: ['/units', '/units/Containerfile'],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nSetWorkingDirectory=file\nFile=/etc/containers/Containerfile',
      argv: [P, 'build', ...TAG, '--file', '/etc/containers/Containerfile'],
      wd: '/etc/containers',
      inputs: ['/etc/containers', '/etc/containers/Containerfile'],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nSetWorkingDirectory=/srv/ctx',
      argv: [P, 'build', ...TAG, '/srv/ctx'],
      wd: null,
      inputs: ['/srv/ctx'],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nSetWorkingDirectory=/srv/ctx\nFile=Containerfile',
      argv: [P, 'build', ...TAG, '--file', 'Containerfile', '/srv/ctx'],
      inputs: ['/srv/ctx', '/srv/ctx/Containerfile'],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nSetWorkingDirectory=ctx/dir',
      argv: [P, 'build', ...TAG, 'ctx/dir'],
      wd: '/units',
      inputs: ['/units/ctx/dir'],
    },
    ...[
      'https://github.com/containers/PodmanHello.git',
      'git://git@git.sr.ht/~emersion/compose',
      'github.com/containers/PodmanHello.git',
    ].map((url) => ({
      bare: true,
      lines: `ImageTag=localhost/app\nSetWorkingDirectory=${url}`,
      argv: [P, 'build', ...TAG, url],
      wd: null,
      inputs: [],
    })),
    {
      bare: true,
      lines:
        'ImageTag=localhost/app\nFile=PodmanHello-main/Containerfile\nSetWorkingDirectory=https://example.com/main.tar.gz',
      argv: [
        P,
        'build',
        ...TAG,
        '--file',
        'PodmanHello-main/Containerfile',
        'https://example.com/main.tar.gz',
      ],
      wd: null,
      inputs: [],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nSetWorkingDirectory=yaml',
      errors: [
        /SetWorkingDirectory=yaml is only supported in \.kube files/,
        /neither SetWorkingDirectory, nor File/,
      ],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nSetWorkingDirectory=file',
      errors: [/SetWorkingDirectory=file: no File key specified/, /neither SetWorkingDirectory, nor File/],
    },
    {
      bare: true,
      lines: 'ImageTag=localhost/app',
      errors: [/^neither SetWorkingDirectory, nor File key specified$/],
    },
  ],
  PodmanArgs: [
    {
      bare: true,
      lines: 'ImageTag=localhost/app\nFile=/c/Containerfile\nPodmanArgs=--foo "--with-space yes"',
      argv: [P, 'build', ...TAG, '--file', '/c/Containerfile', '--foo', '--with-space yes'],
    },
  ],
  ServiceName: [
    { lines: 'ServiceName=basic', argv: [P, 'build', ...TAG, '/units'], resource: 'localhost/app' },
  ],
};

t.test('every [Build] key has a case', async (t) => {
  for (const k of BUILD_KEYS.keys()) t.ok(CASES[k]?.length, `[Build] ${k}`);
  for (const k of Object.keys(CASES)) t.ok(BUILD_KEYS.has(k), `${k} is a [Build] key`);
});

for (const [key, cases] of Object.entries(CASES)) {
  t.test(`[Build] ${key}`, async (t) => {
    for (const c of cases) {
      const r = build(`[Build]\n${c.bare ? '' : HEAD}${c.lines}\n`);
      const label = c.lines.replace(/\n/g, ' | ') || '(no key)';
      t.equal(
        r.errors.length,
        c.errors?.length ?? 0,
        `${label}: errors ${r.errors.map((d) => d.message).join('; ')}`,
      );
      for (const [i, re] of (c.errors ?? []).entries()) t.match(r.errors[i]?.message, re);
      t.equal(
        r.warnings.length,
        c.warnings?.length ?? 0,
        `${label}: warnings ${r.warnings.map((d) => d.message).join('; ')}`,
      );
      for (const [i, re] of (c.warnings ?? []).entries()) t.match(r.warnings[i]?.message, re);
      if (c.want) t.same(r.argv, [P, 'build', ...TAG, ...c.want, '/units'], `${label}: argv`);
      if (c.argv) t.same(r.argv, c.argv, `${label}: argv`);
      if (c.wd !== undefined) t.equal(r.wd, c.wd ?? undefined, `${label}: workingDirectory`);
      if (c.inputs) t.same(r.model?.inputs, c.inputs, `${label}: inputs`);
      if (c.needs) t.same(r.model?.needs, c.needs, `${label}: needs`);
      if (c.resource) t.equal(r.model?.resource, c.resource, `${label}: resource`);
    }
  });
}

t.test(
  'arguments follow Quadlet: flags, lists, key=values, network, secrets, volumes, file, PodmanArgs, context',
  async (t) => {
    const r = build(`[Build]
PodmanArgs=--last
File=Containerfile
Volume=/a:/a
Secret=s
Network=host
Label=l=1
ImageTag=localhost/app
DNS=1.1.1.1
ForceRM=true
Target=t
Pull=always
SetWorkingDirectory=.
`);
    t.same(r.argv, [
      P,
      'build',
      '--pull=always',
      '--target',
      't',
      '--force-rm',
      '--dns',
      '1.1.1.1',
      ...TAG,
      '--label',
      'l=1',
      '--network',
      'host',
      '--secret',
      's',
      '-v',
      '/a:/a',
      '--file',
      'Containerfile',
      '--last',
      '.',
    ]);
  },
);

t.test('[Service] WorkingDirectory= wins over SetWorkingDirectory=, as in Quadlet', async (t) => {
  const r = build(
    '[Build]\nImageTag=localhost/app\nSetWorkingDirectory=ctx\n[Service]\nWorkingDirectory=/srv/app\n',
  );
  t.same(r.errors, []);
  t.same(
    r.warnings.map((d) => [d.line, d.message]),
    [[3, '[Build] SetWorkingDirectory=ctx is ignored: [Service] WorkingDirectory= is set, as in Quadlet']],
  );
  t.same(r.argv, [P, 'build', ...TAG, '/srv/app']);
  t.equal(r.wd, '/srv/app');
  t.same(r.model?.inputs, ['/srv/app']);
  // alone it is the working directory and the context; a relative one is refused
  const alone = build('[Build]\nImageTag=localhost/app\n[Service]\nWorkingDirectory=/srv/app\n');
  t.same(
    [alone.argv, alone.wd, alone.errors, alone.warnings],
    [[P, 'build', ...TAG, '/srv/app'], '/srv/app', [], []],
  );
  const rel = build(
    '[Build]\nImageTag=localhost/app\nSetWorkingDirectory=unit\n[Service]\nWorkingDirectory=srv\n',
  );
  t.same(
    rel.errors.map((d) => [d.line, d.message]),
    [[5, '[Service] WorkingDirectory=srv must be an absolute path']],
  );
  t.equal(rel.wd, '/units');
});

t.test('a units directory given as a relative path still gives absolute paths', async (t) => {
  const dir = resolve('rel/units');
  const unit = build(
    '[Build]\nImageTag=localhost/app\nSetWorkingDirectory=unit\nVolume=./c:/c\n',
    'rel/units',
  );
  t.same(unit.argv, [P, 'build', ...TAG, '-v', `${dir}/c:/c`, dir]);
  t.equal(unit.wd, dir);
  t.same(unit.model?.inputs, [dir]);
  const file = build(
    '[Build]\nImageTag=localhost/app\nSetWorkingDirectory=file\nFile=sub/Containerfile\n',
    'rel/units',
  );
  t.equal(file.wd, `${dir}/sub`);
  t.same(file.argv?.at(-1), `${dir}/sub`);
});

t.test('errors name the file and line; systemd keys are warned about', async (t) => {
  const r = build(
    '[Unit]\nRequires=db.network\n[Build]\nImageTag=localhost/app\nSetWorkingDirectory=unit\nTagret=x\n',
  );
  t.same(
    r.errors.map((d) => [d.file, d.line, d.message]),
    [['/units/app.build', 6, 'unsupported key Tagret= in [Build] (did you mean Target=?)']],
  );
  t.same(
    r.warnings.map((d) => [d.line, d.message]),
    [[2, 'Requires= in [Unit] has no effect on a build unit under finit-pods']],
  );
});
