// doctor (src/inspect/doctor.ts) without a machine: published and listening ports, the findings'
// text, a container of ours whose unit is gone, and what doctor makes of a listing that fails:
// a finding, and no remedy applied on its strength.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseRunHelp } from '../../src/apply/podman.js';
import type { Runner, RunResult } from '../../src/apply/run.js';
import { unknownRunOptions } from '../../src/apply/run-options.js';
import type { SyncReport } from '../../src/apply/sync.js';
import { writeState } from '../../src/daemon/state.js';
import {
  type DoctorDeps,
  doctor,
  type Finding,
  formatFindings,
  listeningPorts,
  publishedHostPorts,
} from '../../src/inspect/doctor.js';
import { fakeRunner } from '../helpers/fakes.js';
import { adapters, INITCTL, inspectConfig, PODMAN, psRow } from '../helpers/inspect.js';

t.test('publishedHostPorts: the host side of every --publish', async (t) => {
  t.same(publishedHostPorts(['--publish', '8080:80']), [8080], 'host:ctr');
  t.same(publishedHostPorts(['-p', '127.0.0.1:8081:81']), [8081], 'ip:host:ctr');
  t.same(publishedHostPorts(['--publish', '[::1]:8082:82']), [8082], '[ipv6]:host:ctr');
  t.same(
    publishedHostPorts(['--publish', '8083:83/udp', '--publish', '8084:84/tcp']),
    [8083, 8084],
    '/proto',
  );
  t.same(publishedHostPorts(['--publish', '80']), [], 'a bare container port has no fixed host port');
  t.same(publishedHostPorts(['--publish', '127.0.0.1::80']), [], 'ip::ctr: a random host port');
  t.same(publishedHostPorts(['--publish', '8000-8001:80-81']), [], 'a range is not one port');
  t.same(
    publishedHostPorts(['--name', 'web', '--label', 'p=8080:80', 'img', '-p']),
    [],
    'only --publish/-p values',
  );
  t.same(
    publishedHostPorts(['--name', 'web', '-p', '8080:8080', 'localhost/busybox:latest', 'httpd']),
    [8080],
    'among other arguments',
  );
});

/** Lines of Podman 4.3.1's `podman run --help`, as it prints them (no --health-startup-cmd). */
const RUN_HELP = `Run a command in a new container

Usage:
  podman run [options] IMAGE [COMMAND [ARG...]]

Examples:
  podman run --network=host imageID dnf -y install java

Options:
  -e, --env stringArray                          Set environment variables in container (default [PATH=/usr/local/sbin:/usr/bin])
      --health-cmd string                        set a healthcheck command for the container ('none' disables the existing healthcheck)
      --health-retries uint                      the number of retries allowed before a healthcheck is considered to be unhealthy (default 3)
      --init                                     Run an init binary inside the container that forwards signals and reaps processes
      --label stringArray                        Set metadata on container
  -m, --memory <number>[<unit>]                  Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes))
      --name string                              Assign a name to the container
      --network string                           Connect a container to a network
  -t, --tty                                      Allocate a pseudo-TTY for container
`;

t.test('parseRunHelp and unknownRunOptions: what this podman run knows', async (t) => {
  const known = parseRunHelp(RUN_HELP);
  t.same(
    [...known],
    [
      ['--env', true],
      ['--health-cmd', true],
      ['--health-retries', true],
      ['--init', false],
      ['--label', true],
      ['--memory', true],
      ['--name', true],
      ['--network', true],
      ['--tty', false],
    ],
    'each long option, and whether it takes a value; usage and examples are not options',
  );
  t.throws(
    () => parseRunHelp('Error: something else\n'),
    /no options/,
    'no options: not read as "knows none"',
  );
  t.same(
    unknownRunOptions(
      [
        '--name',
        '--health-startup-cmd',
        '--label=a=b',
        '--init',
        '--health-startup-cmd',
        'x',
        '--tty',
        '--vol',
      ],
      known,
    ),
    ['--health-startup-cmd', '--vol'],
    'the value of a known option is skipped even when it looks like one; each unknown named once',
  );
  t.same(unknownRunOptions(['--env', 'A=1', '--network=host', '-p', '80'], known), [], 'all known');
});

t.test('listeningPorts: TCP LISTEN sockets from a /proc/net directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'finit-pods-procnet-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const head4 =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  const head6 =
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  writeFileSync(
    join(dir, 'tcp'),
    `${head4}` +
      // 0.0.0.0:8080 LISTEN
      '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n' +
      // 127.0.0.1:53 LISTEN
      '   1: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n' +
      // 127.0.0.1:40000 -> 127.0.0.1:8080 ESTABLISHED: not a listener
      '   2: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1\n',
  );
  writeFileSync(
    join(dir, 'tcp6'),
    `${head6}` +
      // [::]:8443 LISTEN
      '   0: 00000000000000000000000000000000:20FB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0\n' +
      // TIME_WAIT on 9000
      '   1: 00000000000000000000000000000000:2328 00000000000000000000000000000000:0000 06 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0\n',
  );
  t.same(
    [...listeningPorts(dir)].sort((a, b) => a - b),
    [53, 8080, 8443],
  );

  rmSync(join(dir, 'tcp6'));
  t.same(
    [...listeningPorts(dir)].sort((a, b) => a - b),
    [53, 8080],
    'no tcp6 (IPv6 disabled)',
  );
  t.same([...listeningPorts(join(dir, 'nope'))], [], 'no /proc/net at all');
  t.ok(listeningPorts() instanceof Set, 'the real /proc/net reads');
});

t.test('formatFindings', async (t) => {
  t.equal(formatFindings([], false), 'every pod is running\n');
  t.equal(formatFindings([], true), 'every pod is running\n');
  const fs: Finding[] = [
    {
      pod: 'web',
      problem: 'name "web" is held by a lingering container 69597810f5ab (created)',
      remedy: 'remove container 69597810f5ab',
    },
    { pod: 'db', problem: 'port 5432 is already taken by another process or container' },
  ];
  t.equal(
    formatFindings(fs, false),
    'pod:web: name "web" is held by a lingering container 69597810f5ab (created)\n' +
      '    fix: remove container 69597810f5ab; run finit-pods doctor --fix\n' +
      'pod:db: port 5432 is already taken by another process or container\n',
    'the remedy, and how to apply it',
  );
  t.equal(
    formatFindings([{ ...fs[0]!, done: 'removed 69597810f5ab; initctl restart pod:web' }, fs[1]!], true),
    'pod:web: name "web" is held by a lingering container 69597810f5ab (created)\n' +
      '    fixed: removed 69597810f5ab; initctl restart pod:web\n' +
      'pod:db: port 5432 is already taken by another process or container\n',
    'with --fix: what was done; nothing said where nothing safe can be done',
  );
  t.equal(
    formatFindings([fs[0]!], true),
    'pod:web: name "web" is held by a lingering container 69597810f5ab (created)\n' +
      '    not fixed: remove container 69597810f5ab\n',
    'with --fix, a remedy that was not applied says so',
  );
});

/** doctor's adapters; `applied` counts the syncs --fix ran (each reports `units`). */
function doctorDeps(
  version: string,
  ready: boolean,
  exec: Runner,
  units: SyncReport['units'] = [],
): DoctorDeps & { applied: () => number } {
  let applied = 0;
  return {
    ...adapters(version, ready, exec),
    apply: async () => {
      applied++;
      return { sync: { units, readySet: false } as unknown as SyncReport };
    },
    applied: () => applied,
  };
}

t.test('doctor: a container of ours whose unit is gone is named; --fix stops and removes it', async (t) => {
  const { cfg, unit } = inspectConfig(t);
  unit('web.container', '[Container]\nImage=localhost/busybox:latest\nExec=httpd -f\n');
  const ps = [
    psRow('aaaaaaaaaaaa', 'web', 'running'),
    psRow('bbbbbbbbbbbb', 'gone', 'running'), // its unit removed, Finit no longer runs it
    psRow('cccccccccccc', 'going', 'running'), // its unit removed, Finit still stopping it
    psRow('dddddddddddd', 'hand', 'running', { Labels: { 'io.finit-pods.pod': 'hand' } }), // not ours
  ];
  const answers = {
    [`${INITCTL} -j status`]: {
      stdout: JSON.stringify([{ identity: 'pod:web', status: 'running', pid: 301, restarts: 0 }]),
    },
    // not in the list (read while another program read one: a gap), but Finit knows it
    [`${INITCTL} -j status pod:going`]: {
      stdout: '{ "identity": "pod:going", "status": "stopping", "pid": 302, "restarts": 0 }',
    },
    [`${PODMAN} ps -a --format json`]: { stdout: JSON.stringify(ps) },
    [`${PODMAN} images --format json`]: {
      stdout: JSON.stringify([{ Id: 'f'.repeat(64), Names: ['localhost/busybox:latest'] }]),
    },
    [`${PODMAN} rm -f -t 10 ${'bbbbbbbbbbbb'.padEnd(64, '0')}`]: {},
  };

  const exec = fakeRunner(answers);
  const found = await doctor(cfg, doctorDeps('4.12', true, exec));
  t.same(
    found,
    [
      {
        pod: 'gone',
        problem:
          'container bbbbbbbbbbbb (running) was started by finit-pods, but no unit defines pod:gone any more',
        remedy: 'stop and remove container bbbbbbbbbbbb',
      },
    ],
    'only the one nobody stops: not the one Finit is stopping, nor one finit-pods did not start',
  );
  t.notOk(
    exec.calls.some((c) => c.includes(' rm ')),
    'without --fix nothing is removed',
  );

  const fixExec = fakeRunner(answers);
  const fixed = await doctor(cfg, doctorDeps('4.12', true, fixExec), { fix: true });
  t.equal(fixed[0]?.done, 'stopped and removed bbbbbbbbbbbb', 'says what it did');
  t.same(
    fixExec.calls.filter((c) => c.includes(' rm ')),
    [`${PODMAN} rm -f -t 10 ${'bbbbbbbbbbbb'.padEnd(64, '0')}`],
    'stopped gently (SIGKILL only after 10 s) and removed',
  );
  t.equal(
    formatFindings(fixed, true),
    'pod:gone: container bbbbbbbbbbbb (running) was started by finit-pods, but no unit defines pod:gone any more\n' +
      '    fixed: stopped and removed bbbbbbbbbbbb\n',
  );
});

t.test('doctor: a failed listing is a finding, and --fix acts on nothing that depends on it', async (t) => {
  const { cfg, unit } = inspectConfig(t);
  unit('net.container', '[Container]\nImage=localhost/busybox:latest\nExec=sleep 1000\nNetwork=mynet\n');
  const base = (o: Record<string, Partial<RunResult>> = {}) =>
    fakeRunner({
      [`${INITCTL} -j status`]: {
        stdout: JSON.stringify([{ identity: 'pod:net', status: 'crashed', pid: 0, restarts: 10 }]),
      },
      [`${PODMAN} ps -a --format json`]: { stdout: '[]' },
      [`${PODMAN} images --format json`]: {
        stdout: JSON.stringify([{ Id: 'f'.repeat(64), Names: ['localhost/busybox:latest'] }]),
      },
      [`${PODMAN} network ls --format {{.Name}}`]: { stdout: 'podman' },
      [`${PODMAN} run --help`]: { stdout: RUN_HELP },
      [`${PODMAN} --version`]: { stdout: 'podman version 4.3.1\n' },
      [`${INITCTL} restart pod:net`]: {},
      ...o,
    });
  const acted = (exec: { calls: string[] }) =>
    exec.calls.filter((c) => / (rm|restart|network create)( |$)/.test(c));

  // control: network ls answers, mynet is not there: recreated (sync) and the pod restarted
  let exec = base();
  let deps = doctorDeps('4.12', true, exec, [{ pod: 'net', state: 'ok' }] as unknown as SyncReport['units']);
  let found = await doctor(cfg, deps, { fix: true });
  t.match(found, [
    { pod: 'net', problem: 'network mynet is missing', remedy: 'recreate it (finit-pods sync)' },
  ]);
  t.equal(deps.applied(), 1, 'control: --fix syncs');
  t.same(acted(exec), [`${INITCTL} restart pod:net`], 'control: and restarts the pod');

  // podman network ls fails: nothing recreated, nothing restarted
  exec = base({
    [`${PODMAN} network ls --format {{.Name}}`]: { exitCode: 125, stderr: 'Error: database is locked' },
  });
  deps = doctorDeps('4.12', true, exec);
  found = await doctor(cfg, deps, { fix: true });
  t.same(
    found,
    [
      { problem: 'cannot tell: podman network ls failed: Error: database is locked' },
      {
        pod: 'net',
        problem:
          'cannot tell whether network mynet exists: podman network ls failed: Error: database is locked',
      },
    ],
    'the failure is a finding, with no remedy',
  );
  t.equal(deps.applied(), 0, 'no sync: no network recreated');
  t.same(acted(exec), [], 'no pod restarted, nothing removed');
  t.equal(
    formatFindings(found, true),
    'finit-pods: cannot tell: podman network ls failed: Error: database is locked\n' +
      'pod:net: cannot tell whether network mynet exists: podman network ls failed: Error: database is locked\n',
  );

  // podman ps fails: no container removed, no pod restarted
  exec = base({ [`${PODMAN} ps -a --format json`]: { exitCode: 125, stderr: 'Error: database is locked' } });
  deps = doctorDeps('4.12', true, exec);
  found = await doctor(cfg, deps, { fix: true });
  t.same(
    found,
    [
      { problem: 'cannot tell: podman ps failed: Error: database is locked' },
      {
        pod: 'net',
        problem: 'cannot tell which container holds its name: podman ps failed: Error: database is locked',
      },
    ],
    'ps failed: findings without remedies',
  );
  t.equal(deps.applied(), 0, 'no sync');
  t.same(acted(exec), [], 'nothing removed or restarted');

  // initctl status fails: no restart on a guess
  exec = base({ [`${INITCTL} -j status`]: { exitCode: 255, stderr: 'initctl: timeout' } });
  deps = doctorDeps('4.12', true, exec);
  found = await doctor(cfg, deps, { fix: true });
  t.same(found, [
    { problem: 'cannot tell: initctl -j status failed: initctl: timeout' },
    { pod: 'net', problem: 'cannot tell why it is not running: initctl -j status failed: initctl: timeout' },
  ]);
  t.equal(deps.applied(), 0, 'no sync');
  t.same(acted(exec), [], 'nothing removed or restarted');

  // a restart that fails says so (and so doctor exits 1)
  exec = base({
    [`${PODMAN} network ls --format {{.Name}}`]: { stdout: 'podman\nmynet' },
    [`${INITCTL} restart pod:net`]: { exitCode: 1, stderr: 'initctl: no such task' },
  });
  found = await doctor(cfg, doctorDeps('4.12', true, exec), { fix: true });
  t.equal(found[0]?.done, 'initctl restart pod:net failed: initctl: no such task');
});

t.test('doctor: a key this podman does not know is named, and no restart is tried', async (t) => {
  const { cfg, unit } = inspectConfig(t);
  unit(
    'hs.container',
    '[Container]\nImage=localhost/busybox:latest\nExec=sleep 1000\nHealthCmd=test -e /tmp/ok\nHealthStartupCmd=test -e /tmp/started\nPodmanArgs=--frobnicate\n',
  );
  unit(
    'app.container',
    '[Unit]\nRequires=hs.container\n[Container]\nImage=localhost/busybox:latest\nExec=sleep 1000\n',
  );
  const answers: Record<string, Partial<RunResult>> = {
    [`${INITCTL} -j status`]: {
      stdout: JSON.stringify([
        { identity: 'pod:hs', status: 'crashed', pid: 0, restarts: 10 },
        { identity: 'pod:app', status: 'ready', pid: 0, restarts: 0 },
      ]),
    },
    [`${PODMAN} ps -a --format json`]: { stdout: '[]' },
    [`${PODMAN} images --format json`]: {
      stdout: JSON.stringify([{ Id: 'f'.repeat(64), Names: ['localhost/busybox:latest'] }]),
    },
    [`${PODMAN} run --help`]: { stdout: RUN_HELP },
    [`${PODMAN} --version`]: { stdout: 'podman version 4.3.1\n' },
    [`${INITCTL} restart pod:hs`]: {},
  };
  let exec = fakeRunner(answers);
  const found = await doctor(cfg, doctorDeps('4.12', true, exec), { fix: true });
  t.same(found, [
    // held back by hs: hs's finding is the one to act on, and restarting app changes nothing
    { pod: 'app', problem: 'Finit says ready: waiting for pod:hs (Finit says crashed)' },
    {
      pod: 'hs',
      problem:
        'podman 4.3.1 has no options --health-startup-cmd, --frobnicate (HealthStartupCmd=, PodmanArgs= in hs.container), so it refuses to run the pod: remove them, or install a newer podman',
    },
  ]);
  t.notOk(
    exec.calls.some((c) => c.includes('restart')),
    'no restart: it would crash the same way',
  );

  // run --help fails: said once, and the pod gets the finding it had before
  exec = fakeRunner({ ...answers, [`${PODMAN} run --help`]: { exitCode: 125, stderr: 'Error: boom' } });
  t.same(await doctor(cfg, doctorDeps('4.12', true, exec)), [
    { problem: 'cannot tell: podman run --help failed: Error: boom' },
    { pod: 'app', problem: 'Finit says ready: waiting for pod:hs (Finit says crashed)' },
    { pod: 'hs', problem: 'Finit gave up restarting it (crashed)', remedy: 'initctl restart pod:hs' },
  ]);
});

t.test(
  'doctor: an image unit whose pull failed, what waits for it, and a crashed .pod are named',
  async (t) => {
    const { cfg, unit, units } = inspectConfig(t);
    unit('bb.image', '[Image]\nImage=registry.example:5000/bb:v1\n');
    unit('web.container', '[Container]\nImage=bb.image\nExec=httpd -f\n');
    unit('shop.pod', '[Pod]\nPublishPort=8090:8080\n');
    // the daemon's last apply, a second after the units were written
    const at = new Date(Date.now() + 1000).toISOString();
    mkdirSync(cfg.runDir, { recursive: true });
    const pull = `${join(units, 'bb.image')}: error: podman image pull failed: connection refused; tried again later`;
    writeState(cfg.runDir, {
      updatedAt: at,
      units: {
        [join(units, 'bb.image')]: { kind: 'image', state: 'error', last: 'error', messages: [pull] },
        [join(units, 'web.container')]: {
          kind: 'container',
          state: 'ok',
          last: 'waiting',
          messages: [],
          waitingFor: 'bb.image',
        },
      },
    });
    const exec = fakeRunner({
      [`${INITCTL} -j status`]: {
        stdout: JSON.stringify([{ identity: 'podman-pod:shop', status: 'crashed', pid: 0, restarts: 10 }]),
      },
      [`${PODMAN} ps -a --format json`]: { stdout: '[]' },
      [`${PODMAN} images --format json`]: { stdout: '[]' },
    });
    const found = await doctor(cfg, doctorDeps('4.12', true, exec));
    const about = (u: string) => found.find((f) => f.unit === u || f.pod === u);
    t.match(about('image:registry.example:5000/bb:v1'), {
      problem: /^not applied: .*podman image pull failed: connection refused/,
      remedy: /^finit-pods sync/,
    });
    t.match(
      about('web')?.problem,
      /image missing: registry\.example:5000\/bb:v1 .*\(waiting for bb\.image\)/,
    );
    t.match(about('podman-pod:shop'), {
      problem: 'Finit gave up restarting it (crashed)',
      remedy: 'initctl restart podman-pod:shop',
    });
    t.match(formatFindings(found, false), /^podman-pod:shop: Finit gave up restarting it \(crashed\)$/m);
  },
);

t.test('doctor: Notify=true without socat is named for each pod that has it', async (t) => {
  const { cfg, unit } = inspectConfig(t);
  unit('sd.container', '[Container]\nImage=localhost/busybox:latest\nNotify=true\n');
  unit('plain.container', '[Container]\nImage=localhost/busybox:latest\n');
  const exec = fakeRunner({
    [`${INITCTL} -j status`]: {
      stdout: JSON.stringify([
        { identity: 'pod:sd', status: 'running', pid: 301, restarts: 0 },
        { identity: 'pod:plain', status: 'running', pid: 302, restarts: 0 },
      ]),
    },
    [`${PODMAN} ps -a --format json`]: {
      stdout: JSON.stringify([
        psRow('aaaaaaaaaaaa', 'sd', 'running'),
        psRow('bbbbbbbbbbbb', 'plain', 'running'),
      ]),
    },
    [`${PODMAN} images --format json`]: {
      stdout: JSON.stringify([{ Id: 'f'.repeat(64), Names: ['localhost/busybox:latest'] }]),
    },
  });
  const asked: string[] = [];
  const without = await doctor(cfg, {
    ...doctorDeps('4.12', true, exec),
    hasProgram: (name) => {
      asked.push(name);
      return false;
    },
  });
  t.same(asked, ['socat']);
  t.same(without, [
    {
      pod: 'sd',
      problem:
        'Notify=true needs socat, which is not installed: the pod counts as ready when it runs, not when it says READY=1 (install socat)',
    },
  ]);
  t.same(
    await doctor(cfg, { ...doctorDeps('4.12', true, exec), hasProgram: () => true }),
    [],
    'with it: nothing',
  );
});
