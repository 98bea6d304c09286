// The command line as a user runs it (node dist/cli/main.js): help lists exactly the commands
// there are, every command has --help, `check` exit codes and FILE:LINE output, and the
// `render --json` contract that tools (and Quadlet's golden-case checker) rely on.

import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { commands } from '../../src/cli/commands.js';
import { BIN, ensureBuilt, ROOT } from '../helpers/build.js';

ensureBuilt();
const root = ROOT;
const main = BIN; // the installed command: the bundle, from its code cache (launch.cts)

const cli = (...args: string[]): SpawnSyncReturns<string> =>
  spawnSync(process.execPath, [main, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, FINIT_PODS_FINIT_VERSION: '' },
  });

/** The command names listed under "Commands:" in a usage text. */
const listed = (usage: string): string[] => {
  const block = usage.split(/^Commands:\n/m)[1] ?? '';
  return block
    .split('\n\n')[0]!
    .split('\n')
    .filter((l) => /^ {2}\S/.test(l))
    .map((l) => l.trim().split(/\s+/)[0]!);
};

t.test('--help lists exactly the commands that exist', async (t) => {
  const r = cli('--help');
  t.equal(r.status, 0);
  t.match(r.stdout, /^Usage: finit-pods COMMAND/);
  const names = listed(r.stdout);
  t.same(names, [...commands.keys()], 'the listed commands are the command table, in order');
  t.ok(names.includes('check') && names.includes('render'), 'check and render are there');
  for (const load of commands.values()) {
    const c = await load();
    t.ok(r.stdout.includes(c.summary), `summary shown: ${c.summary}`);
  }
  t.same(cli().stdout, r.stdout, 'no arguments prints the same usage');
  t.same(cli('-h').stdout, r.stdout);
  t.same(cli('check', '-h').stdout, cli('help', 'check').stdout, '-h after a command is its help');
});

t.test('every listed command has --help, and help CMD says the same', async (t) => {
  const names = listed(cli('--help').stdout);
  t.ok(names.length >= 2);
  for (const name of names) {
    const r = cli(name, '--help');
    t.equal(r.status, 0, `${name} --help exits 0`);
    t.match(r.stdout, new RegExp(`^Usage: finit-pods ${name}\\b`), `${name} --help starts with its usage`);
    t.equal(r.stderr, '', `${name} --help prints nothing on stderr`);
    t.equal(cli('help', name).stdout, r.stdout, `help ${name}`);
  }
});

t.test('an unknown command is a usage error (exit 2)', async (t) => {
  const r = cli('frobnicate');
  t.equal(r.status, 2);
  t.match(r.stderr, /unknown command "frobnicate"/);
  t.match(r.stderr, /Commands:/);
});

t.test('check: exit 0, 1 and 2, and FILE:LINE on stderr', async (t) => {
  const good = t.testdir({
    'web.container': '[Container]\nImage=docker.io/library/nginx:1.27\nNetwork=db.network\n',
    'db.network': '[Network]\n',
  });
  const ok = cli('check', good);
  t.equal(ok.status, 0, 'all usable: 0');
  t.equal(ok.stdout, '2 of 2 units usable\n');
  t.equal(ok.stderr, '');

  const warn = t.testdir({ 'web.container': '[Container]\nImage=x\n\nNotify=healthy\n' });
  const w = cli('check', warn);
  t.equal(w.status, 0, 'warnings alone: 0');
  t.match(w.stderr, new RegExp(`^${join(warn, 'web.container')}:4: warning: `, 'm'));

  const bad = t.testdir({
    'web.container': '# a typo\n[Container]\nImgae=nginx\nImage=nginx\n',
    'ok.container': '[Container]\nImage=x\n',
  });
  const b = cli('check', bad);
  t.equal(b.status, 1, 'a unit with an error: 1');
  t.equal(b.stdout, '1 of 2 units usable\n');
  t.equal(
    b.stderr,
    `${join(bad, 'web.container')}:3: error: unsupported key Imgae= in [Container] (did you mean Image=?)\n`,
  );

  const one = cli('check', join(bad, 'ok.container'), join(bad, 'web.container'));
  t.equal(one.status, 1, 'files as arguments');
  t.equal(one.stdout, '1 of 2 units usable\n');

  const usage = cli('check');
  t.equal(usage.status, 2, 'no path: 2');
  t.match(usage.stderr, /Usage: finit-pods check/);

  const missing = cli('check', join(good, 'nope'));
  t.equal(missing.status, 1, 'a path that does not exist: 1');
  t.match(missing.stderr, new RegExp(`^${join(good, 'nope')}: error: `, 'm'));
});

t.test('check: reports counts that make sense for unreadable paths', async (t) => {
  const r = cli('check', '/nonexistent/finit-pods');
  t.notMatch(r.stdout, /-\d+ of/, 'no negative count');
  t.match(r.stdout, /^0 of 0 units usable; 1 path could not be read$/m);
  t.equal(r.status, 1);
});

t.test('an unknown option is a usage error (exit 2), on every command', async (t) => {
  t.equal(cli('check', '--bogus', '/tmp').status, 2);
  t.equal(cli('render', '--bogus', '/tmp/x.container').status, 2);
  t.equal(cli('status', '--bogus').status, 2);
});

t.test('check --finit-version: pod name limits', async (t) => {
  const dir = t.testdir({ 'a-sixteen-chars1.container': '[Container]\nImage=x\n' });
  const old = cli('check', '--finit-version', '4.14', dir);
  t.equal(old.status, 1, 'Finit 4.14 keeps 15 characters');
  t.match(old.stderr, /pod name "a-sixteen-chars1" is 16 characters; this Finit keeps at most 15/);
  const now = cli('check', '--finit-version', '4.15', dir);
  t.equal(now.status, 0, 'Finit 4.15 keeps 64');
  t.equal(now.stderr, '');
  const unknown = cli('check', dir);
  t.equal(unknown.status, 0, 'version unknown: accepted');
  t.match(unknown.stderr, /warning: pod name "a-sixteen-chars1" is 16 characters: fine on Finit 4.15/);
});

const TRICKY = `/bin/sh -c "echo 'hi there'; sleep 10 # not a comment" $HOME \`id\` "$(date)" a\\\\b naïve 😀 " -- "`;
const TRICKY_ARGV = [
  '/bin/sh',
  '-c',
  "echo 'hi there'; sleep 10 # not a comment",
  '$HOME',
  '`id`',
  '$(date)',
  'a\\b',
  'naïve',
  '😀',
  ' -- ',
];

t.test('render --json: the contract', async (t) => {
  const dir = t.testdir({
    'web.container': `[Unit]\nDescription=web\n[Container]\nImage=docker.io/library/nginx:1.27\nNetwork=db.network\nEnvironment="MSG=hello world" A=1\nNotify=healthy\nExec=${TRICKY}\n`,
    'db.network': '[Network]\nSubnet=10.1.0.0/24\n',
    'bad.container': '[Container]\nImage=x\nGroup=10\n',
    'net1.network': '[HostDevice]\nDevice=veth0b\nAddress=192.168.0.42/24\n',
  });
  const r = cli('render', '--json', join(dir, 'web.container'));
  t.equal(r.status, 0, 'usable: exit 0');
  const o = JSON.parse(r.stdout);
  t.equal(o.name, 'web');
  t.equal(o.kind, 'container');
  t.equal(o.file, join(dir, 'web.container'));
  t.equal(o.ok, true);
  t.same(o.argv, [
    '/usr/bin/podman',
    'run',
    '--name',
    'web',
    '--network',
    'db',
    '--env',
    'A=1',
    '--env',
    'MSG=hello world',
    'docker.io/library/nginx:1.27',
    ...TRICKY_ARGV,
  ]);
  t.same(o.errors, []);
  t.same(o.warnings, [
    `${join(dir, 'web.container')}:7: warning: [Container] Notify=healthy without a health check finit-pods runs (HealthCmd=, an interval other than disable): the pod counts as ready when it runs`,
  ]);
  t.equal(o.pod, 'web');
  t.equal(o.container, 'web');

  const b = cli('render', '--json', join(dir, 'bad.container'));
  t.equal(b.status, 1, 'rejected: exit 1');
  const bo = JSON.parse(b.stdout);
  t.equal(bo.ok, false);
  t.equal(bo.argv, null, 'no argv for a rejected unit');
  t.same(bo.errors, [
    `${join(dir, 'bad.container')}:3: error: [Container] Group=: invalid Group set without User`,
  ]);

  const n = JSON.parse(cli('render', '--json', join(dir, 'db.network')).stdout);
  t.equal(n.kind, 'network');
  t.same(n.argv, ['/usr/bin/podman', 'network', 'create', '--ignore', '--subnet', '10.1.0.0/24', 'db']);

  const h = JSON.parse(cli('render', '--json', join(dir, 'net1.network')).stdout);
  t.equal(h.kind, 'network');
  t.equal(h.ok, true);
  t.same(h.cni?.plugins?.[0], {
    type: 'host-device',
    device: 'veth0b',
    ipam: { type: 'static', addresses: [{ address: '192.168.0.42/24' }] },
  });
});

t.test('render: the shell-quoted command line means the same argv', async (t) => {
  const dir = t.testdir({
    'web.container': `[Container]\nImage=img\nLabel="k=a 'b' \\"c\\""\nExec=${TRICKY}\n`,
  });
  const plain = cli('render', join(dir, 'web.container'));
  t.equal(plain.status, 0);
  const json = JSON.parse(cli('render', '--json', join(dir, 'web.container')).stdout);
  const sh = spawnSync(
    '/bin/sh',
    ['-c', `eval "set -- $1"; printf '%s\\0' "$@"`, 'sh', plain.stdout.trim()],
    {
      encoding: 'utf8',
    },
  );
  t.same(sh.stdout.split('\0').slice(0, -1), json.argv, 'sh reads back exactly the JSON argv');
});

t.test('render: usage errors and unreadable files', async (t) => {
  t.equal(cli('render').status, 2, 'no file: 2');
  t.equal(cli('render', 'a.container', 'b.container').status, 2, 'two files: 2');
  const missing = cli('render', '--json', '/nonexistent/x.container');
  t.equal(missing.status, 1);
  const mo = JSON.parse(missing.stdout);
  t.same(mo.errors, ['/nonexistent/x.container: error: cannot read: ENOENT: no such file or directory']);
  const notUnit = cli('render', '/etc/hostname');
  t.equal(notUnit.status, 1);
  t.match(notUnit.stderr, /not a unit file/);
});
