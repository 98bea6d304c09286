// finit-pods import: Infix's /cfg/start.d "Hybrid mode" lines (podman-service, cni create host)
// → NAME.container and NAME.network, checked through `finit-pods render --json` of the written
// files: the podman command line must be the one the script meant.

import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { importScripts, nameFromImage } from '../../src/import/index.js';
import { parseRunFlags } from '../../src/import/podman-run.js';
import { BIN, ensureBuilt } from '../helpers/build.js';

const main = BIN; // the installed command: the bundle, from its code cache (launch.cts)

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Rendered {
  ok: boolean;
  argv: string[];
  errors: string[];
  warnings: string[];
  cni?: { name: string; plugins: { device: string; ipam?: { addresses: { address: string }[] } }[] };
}

function render(file: string): Rendered {
  const r = cli('render', '--json', file);
  return JSON.parse(r.stdout) as Rendered;
}

/** The pairs FLAG VALUE (or one token) of a podman argv, sorted, for comparison regardless of order. */
function runOptions(argv: string[]): { options: string[]; image: string; command: string[] } {
  // /usr/bin/podman run OPTIONS... IMAGE COMMAND...
  const rest = argv.slice(2);
  const { flags, end } = parseRunFlags(rest, true);
  return {
    options: flags.map((f) => f.words.join(' ')).sort(),
    image: rest[end]!,
    command: rest.slice(end + 1),
  };
}

function sandbox(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), `finit-pods-import-${process.pid}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A sandbox with the script NAME holding `text`, and where its units go (not made yet). */
function withScript(t: Test, name: string, text: string, unitsName = 'u') {
  const dir = sandbox(t);
  const script = join(dir, name);
  writeFileSync(script, text);
  return { dir, script, units: join(dir, unitsName) };
}

const HYBRID_SCRIPT = `#!/bin/sh
# Remember to create the veth0a <--> vet0b pair in the CLI first!
cni create host net1 veth0b 192.168.0.42/24
podman-service -e -d "System container" -p "--net=podman,net1 -p 22:22 --entrypoint='/linuxrc' --privileged" buildroot:latest
exit 0
`;

ensureBuilt();

t.test("Infix's own example: the two lines become two units that render the same command", async (t) => {
  const { script, units } = withScript(t, '20-enable-container.sh', HYBRID_SCRIPT, 'containers');
  const r = cli('import', '--units-dir', units, script);
  t.equal(r.code, 0, r.code === 0 ? 'exit 0' : `exit 0\n${r.stderr}`);
  t.match(r.stdout, `wrote ${units}/net1.network (from ${script}:3)`);
  t.match(r.stdout, `wrote ${units}/buildroot.container (from ${script}:4)`);
  t.match(r.stderr, `${script}:5: info: not converted (not a podman-service/cni line): exit 0`);
  t.same(readdirSync(units).sort(), ['buildroot.container', 'net1.network']);

  const text = readFileSync(join(units, 'buildroot.container'), 'utf8');
  t.match(text, /^Description=System container$/m);
  t.match(text, /^Image=buildroot:latest$/m);
  t.match(text, /^Network=net1\.network$/m, 'the cni network is the unit the import wrote');

  const c = render(join(units, 'buildroot.container'));
  t.ok(c.ok, `renders: ${c.errors.join('; ')}`);
  t.same(c.warnings, []);
  const o = runOptions(c.argv);
  t.same(
    o.options,
    [
      '--entrypoint=/linuxrc',
      '--name buildroot',
      '--network net1',
      '--network podman',
      '--privileged',
      '--publish 22:22',
    ],
    'podman run --name buildroot --rm --net=podman,net1 -p 22:22 --entrypoint=/linuxrc --privileged, as separate options',
  );
  t.equal(o.image, 'buildroot:latest');
  t.same(o.command, []);

  const n = render(join(units, 'net1.network'));
  t.ok(n.ok, `network renders: ${n.errors.join('; ')}`);
  t.equal(n.cni?.name, 'net1', 'the host-device network keeps the name containers use');
  t.equal(n.cni?.plugins[0]?.device, 'veth0b');
  t.same(n.cni?.plugins[0]?.ipam?.addresses, [{ address: '192.168.0.42/24' }]);

  // a second run finds identical files: nothing to do, nothing overwritten
  const again = cli('import', '--units-dir', units, script);
  t.equal(again.code, 0);
  t.match(again.stdout, 'unchanged');
});

t.test(
  'quoting: spaces, quotes, $, backslashes and % mean the same words after the round trip',
  async (t) => {
    const { script, units } = withScript(
      t,
      '30-edge.sh',
      String.raw`podman-service -e -n web -d 'Web "front" at 100%' \
   -p "-e 'GREETING=hello world' -e PRICE=\\\$5 -v /srv/www:/www:ro -l 'note=a \"b\" c' --cap-add NET_ADMIN -it -h web1" \
   docker://library/nginx:alpine sh -c 'echo "$HOME" \ done; exec nginx -g "daemon off;"' "c'd" 'e"f' 'g\h' '%i' ''
`,
    );
    const r = cli('import', '--units-dir', units, script);
    t.equal(r.code, 0, r.code === 0 ? 'exit 0' : `exit 0\n${r.stderr}`);
    t.match(
      r.stdout,
      `wrote ${units}/web.container (from ${script}:1)`,
      'a continued line is reported at its first line',
    );
    const text = readFileSync(join(units, 'web.container'), 'utf8');
    t.match(text, /^Description=Web "front" at 100%%$/m);
    const c = render(join(units, 'web.container'));
    t.ok(c.ok, `renders: ${c.errors.join('; ')}`);
    const o = runOptions(c.argv);
    t.same(o.options, [
      '--cap-add net_admin',
      '--env GREETING=hello world',
      '--env PRICE=$5',
      '--hostname web1',
      '--label note=a "b" c',
      '--name web',
      '-i',
      '-t',
      '-v /srv/www:/www:ro',
    ]);
    t.equal(o.image, 'docker://library/nginx:alpine');
    t.same(o.command, [
      'sh',
      '-c',
      'echo "$HOME" \\ done; exec nginx -g "daemon off;"',
      "c'd",
      'e"f',
      'g\\h',
      '%i',
      '',
    ]);
  },
);

t.test(
  'more options: repeated and grouped flags, PodmanArgs for what has no key, ContainerName=',
  async (t) => {
    const { script, units } = withScript(
      t,
      'a.sh',
      `podman-service -e -p "--label a=1 --label=b=2 -lc=3 --tmpfs /run --name other --mount=type=tmpfs,dst=/t --security-opt label=disable -p8080:80 --publish=53:53/udp --network=net9,host2 --device /dev/ttyS0 --read-only --init=false --stop-timeout 30 --env-file /etc/app.env --rm -d" example.com:5000/team/app@sha256:abc
`,
    );
    const r = cli('import', '--units-dir', units, script);
    t.equal(r.code, 0, r.code === 0 ? 'exit 0' : `exit 0\n${r.stderr}`);
    t.match(r.stderr, /-d: dropped; under Finit podman runs in the foreground/);
    const text = readFileSync(join(units, 'app.container'), 'utf8');
    t.match(text, /^ContainerName=other$/m);
    t.match(text, /^PodmanArgs=--mount=type=tmpfs,dst=\/t$/m);
    t.match(text, /^Network=net9$/m);
    t.match(text, /^Network=host2$/m);
    const c = render(join(units, 'app.container'));
    t.ok(c.ok, `renders: ${c.errors.join('; ')}`);
    const o = runOptions(c.argv);
    t.same(o.options, [
      '--device /dev/ttyS0',
      '--env-file /etc/app.env',
      '--init=false',
      '--label a=1',
      '--label b=2',
      '--label c=3',
      '--mount=type=tmpfs,dst=/t',
      '--name other',
      '--network host2',
      '--network net9',
      '--publish 53:53/udp',
      '--publish 8080:80',
      '--read-only',
      '--security-opt label=disable',
      '--stop-timeout 30',
      '--tmpfs /run',
    ]);
    t.equal(o.image, 'example.com:5000/team/app@sha256:abc');
  },
);

t.test('flags import maps by code: each named handler, and the value it checks', async (t) => {
  const { script, units } = withScript(
    t,
    'a.sh',
    `podman-service -e -n app -p "--name app --user 1000:1000 --expose 8080 --expose 8x --restart=always --replace=false --rm --entrypoint= --stop-timeout 5s --device=-x --read-only=maybe" alpine:3
`,
  );
  const r = cli('import', '--units-dir', units, script);
  t.equal(r.code, 0, r.code === 0 ? 'exit 0' : `exit 0\n${r.stderr}`);
  t.match(r.stderr, /--restart=always: dropped; podman refuses --restart/, '--restart: dropped, and why');
  t.match(
    r.stderr,
    /--replace=false: dropped; finit-pods always runs pods with --rm/,
    '--replace=false: dropped',
  );
  t.notMatch(r.stderr, /--rm: dropped/, '--rm as podman-service gives it: nothing to say');
  const text = readFileSync(join(units, 'app.container'), 'utf8');
  t.notMatch(text, /^ContainerName=/m, "--name of the pod's own name: no line");
  t.match(text, /^User=1000:1000$/m);
  t.match(text, /^ExposeHostPort=8080$/m, 'a port range: the key');
  t.match(text, /^PodmanArgs=--expose 8x$/m, 'not a port range: kept as written');
  t.match(text, /^Entrypoint=$/m, 'an empty entrypoint');
  t.match(text, /^PodmanArgs=--stop-timeout 5s$/m, 'not whole seconds: kept as written');
  t.match(text, /^PodmanArgs=--device=-x$/m, 'a device that reads as an option: kept as written');
  t.match(text, /^PodmanArgs=--read-only=maybe$/m, 'not a boolean: kept as written');
});

t.test('lines that cannot be converted are reported with FILE:LINE and why; exit 1', async (t) => {
  const { script, units } = withScript(
    t,
    '40-bad.sh',
    `#!/bin/sh
set -e
podman-service -p "-e HOME=$HOME" alpine:3 true
podman-service -x alpine
[ -d /x ] && podman-service alpine:edge
if true; then
  podman-service busybox
fi
cni create bridge br0
cni -f create host net2 eth2 10.0.0.1/33
podman-service -p "--frobnicate x" foo
podman-service -p '-e A=$(date)' foo
cat <<END >/tmp/never
podman-service in-a-here-document
END
ip link set veth0b up
podman-service -e good:1
`,
  );
  const r = cli('import', '--units-dir', units, script);
  t.equal(r.code, 1, 'exit 1: recognised lines were not converted');
  const at = (line: number, re: string) =>
    t.match(r.stderr, new RegExp(`${script}:${line}: error: .*${re}`), `line ${line}`);
  at(3, 'uses \\$HOME: the value is only known when the script runs');
  at(4, 'unknown option -x');
  at(5, 'runs only when the command before "&&" succeeds');
  at(7, 'inside "if"');
  at(9, 'cni create bridge: only "cni create host');
  at(10, 'Address=10.0.0.1/33 is not an address');
  at(11, '--frobnicate is not a podman run option');
  at(12, '-p ARGS uses \\$\\(date\\)');
  t.match(r.stderr, `${script}:2: info: not converted (not a podman-service/cni line): set -e`);
  t.match(
    r.stderr,
    `${script}:16: info: not converted (not a podman-service/cni line): ip link set veth0b up`,
  );
  t.notMatch(r.stderr, 'in-a-here-document', 'a here-document is data, not commands');
  t.notMatch(r.stderr, ':14:');
  t.same(readdirSync(units), ['good.container'], 'what could be converted still is');
  t.match(r.stdout, '9 podman-service/cni lines, 8 not converted; 1 unit written');
});

t.test('--dry-run prints the units and writes nothing', async (t) => {
  const { script, units } = withScript(t, 's.sh', HYBRID_SCRIPT);
  const r = cli('import', '--dry-run', '--units-dir', units, script);
  t.equal(r.code, 0, r.code === 0 ? 'exit 0' : r.stderr);
  t.match(r.stdout, `# would write ${units}/buildroot.container`);
  t.match(r.stdout, /^PodmanArgs=--privileged$/m);
  t.match(r.stdout, /^Device=veth0b$/m);
  t.match(r.stdout, 'nothing written');
  t.notOk(existsSync(units), 'the units directory was not even created');
});

t.test('an existing file is never overwritten', async (t) => {
  const dir = sandbox(t);
  const script = join(dir, 's.sh');
  const units = join(dir, 'u');
  mkdirSync(units);
  writeFileSync(script, HYBRID_SCRIPT);
  writeFileSync(join(units, 'buildroot.container'), '# mine\n');
  const r = cli('import', '--units-dir', units, script);
  t.equal(r.code, 1);
  t.match(r.stderr, `${script}:4: error: ${units}/buildroot.container exists: not overwritten`);
  t.equal(readFileSync(join(units, 'buildroot.container'), 'utf8'), '# mine\n');
  t.ok(existsSync(join(units, 'net1.network')), 'the rest is written');
});

t.test('defaults: /cfg/start.d scripts and the units directory of sync (FINIT_PODS_UNITS_DIR)', async (t) => {
  const r = spawnSync(process.execPath, [main, 'import', '--help'], { encoding: 'utf8' });
  t.match(r.stdout, 'Usage: finit-pods import [--dry-run] [--units-dir DIR] [SCRIPT...]');
  t.match(r.stdout, '/cfg/start.d/*.sh');
  const dir = sandbox(t);
  const script = join(dir, 's.sh');
  writeFileSync(script, HYBRID_SCRIPT);
  const env = { ...process.env, FINIT_PODS_UNITS_DIR: join(dir, 'env-units') };
  const w = spawnSync(process.execPath, [main, 'import', script], { encoding: 'utf8', env });
  t.equal(w.status, 0, w.status === 0 ? 'exit 0' : w.stderr);
  t.ok(existsSync(join(dir, 'env-units', 'buildroot.container')));
});

t.test('pure core: names, cni options, duplicates, -e', async (t) => {
  t.equal(nameFromImage('buildroot:latest'), 'buildroot');
  t.equal(nameFromImage('docker://troglobit/buildroot:latest'), 'buildroot');
  t.equal(nameFromImage('nginx:alpine'), 'nginx');
  t.equal(nameFromImage('registry.example.com:5000/a/b/app@sha256:0123'), 'app');
  t.equal(nameFromImage('localhost/busybox'), 'busybox');

  const r = importScripts([
    {
      path: '/s/1.sh',
      text: `cni -n 80 create host lan eth1 10.1.0.2/24
cni create host lan eth2 10.2.0.2/24
cni -f create host lan eth3 10.3.0.2/24
cni list
podman-service -p --net=lan nginx
podman-service -e -d second -p --network=lan:ip=10.3.0.9 nginx:1.25
podman-service -h
`,
    },
  ]);
  const by = (line: number) => r.notes.filter((n) => n.line === line);
  t.match(by(2), [
    { severity: 'error', message: /already created this profile, and cni does not overwrite one without -f/ },
  ]);
  t.match(by(3), [{ severity: 'warning', message: /replaces the profile from \/s\/1\.sh:1/ }]);
  t.match(by(4), [{ severity: 'info', message: /nothing to convert/ }]);
  t.match(by(5), [
    { severity: 'warning', message: /without -e left pod:nginx disabled/ },
    { severity: 'warning', message: /defined again at \/s\/1\.sh:6/ },
  ]);
  t.match(by(7), [{ severity: 'info', message: /only prints help/ }]);
  t.same(
    r.units.map((u) => u.filename),
    ['lan.network', 'nginx.container'],
  );
  const lan = r.units[0]!.text;
  t.match(lan, /^Device=eth3$/m, 'cni -f replaced the profile');
  const nginx = r.units[1]!.text;
  t.match(nginx, /^Network=lan\.network:ip=10\.3\.0\.9$/m, 'network options follow the unit reference');
  t.match(nginx, /^Description=second$/m, 'the later line wins, as its stanza replaced the first');
  t.equal(r.recognised, 7);
});
