// The operability commands without a machine: Finit's status in both forms (src/apply/
// finit-status.ts, and the Finit adapter's services(), which fails rather than answer "no
// services"), published and listening ports and the findings' text (src/inspect/doctor.ts), the
// status view (src/inspect/status.ts) built from the adapters over a fake runner, checked against
// docs/status.schema.json and formatted, and what status and doctor make of a listing that fails:
// `unknown`, and no remedy applied on its strength.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { type Finit, FinitError, initctlFinit } from '../../src/apply/finit.js';
import { parseStatusJson, parseStatusTable } from '../../src/apply/finit-status.js';
import { podmanCli } from '../../src/apply/podman.js';
import { CommandError, type Runner, type RunResult } from '../../src/apply/run.js';
import type { SyncConfig, SyncReport } from '../../src/apply/sync.js';
import {
  type DoctorDeps,
  doctor,
  type Finding,
  formatFindings,
  listeningPorts,
  publishedHostPorts,
} from '../../src/inspect/doctor.js';
import { collectStatus, formatStatus, type StatusView } from '../../src/inspect/status.js';
import { fakeRunner } from '../helpers/fakes.js';
import { type Schema, validate } from '../helpers/json-schema.js';
import { REPO_DIR } from '../helpers/testbed.js';

const schema = JSON.parse(readFileSync(join(REPO_DIR, 'docs', 'status.schema.json'), 'utf8')) as Schema;

// ------------------------------------------------------------------ Finit's status

// `initctl -p -t status` on Finit 4.2 (bookworm), and with the header (`-p` without `-t`)
const TABLE_42 = `302  pod:net  running  [--2345----] Podman container net
0    pod:web  ready    [--2345----] Web
0    pod:bad  crashed  [--2345----]
17   hand:other  halted  [S-12345-789] Hand-written, not by finit-pods
`;
const TABLE_HEADER = `PID  IDENT    STATUS   RUNLEVELS    DESCRIPTION
================================================================================
302  pod:net  running  [--2345----] Podman container net
`;
// `initctl -j status` on Finit 4.12 (trixie), abridged
const JSON_412 = `[
  {
    "identity": "keventd", "description": "Finit kernel event daemon", "type": "service",
    "status": "running", "restarts": 0, "pid": 120, "uptime": 99,
    "runlevels": [ "S", 1, 2, 3, 4, 5, 7, 8, 9 ]
  },
  {
    "identity": "pod:web", "description": "Web", "type": "service", "forking": false,
    "status": "crashed", "origin": "/etc/finit.d/enabled/pod-web.conf",
    "command": "/bin/sh /etc/finit.d/enabled/finit-pods-run web f8b463a14ae0",
    "condition": [ "+usr/finit-pods" ], "restarts": 10, "pidfile": "none", "pid": 0,
    "user": "root", "group": "root", "runlevels": [ 2, 3, 4, 5 ]
  }
]`;

t.test('parseStatusTable: the 4.2 text table', async (t) => {
  t.same(parseStatusTable(TABLE_42), [
    { pid: 302, identity: 'pod:net', status: 'running' },
    { pid: 0, identity: 'pod:web', status: 'ready' },
    { pid: 0, identity: 'pod:bad', status: 'crashed' },
    { pid: 17, identity: 'hand:other', status: 'halted' },
  ]);
  t.same(
    parseStatusTable(TABLE_HEADER),
    [{ pid: 302, identity: 'pod:net', status: 'running' }],
    'the header and the rule are not rows',
  );
  t.same(parseStatusTable(''), [], 'no services');
  t.same(parseStatusTable('initctl: no such command\n'), [], 'an error message is not a row');
  for (const s of parseStatusTable(TABLE_42)) t.notOk('restarts' in s, `${s.identity}: no restart count`);
});

t.test('parseStatusJson: initctl -j status (4.4+)', async (t) => {
  t.same(parseStatusJson(JSON_412), [
    { identity: 'keventd', status: 'running', pid: 120, restarts: 0, uptime: 99 },
    { identity: 'pod:web', status: 'crashed', pid: 0, restarts: 10 },
  ]);
  t.same(parseStatusJson('[]'), []);
  // before 4.16, -j does not escape quotes in strings: the caller falls back to the table
  t.throws(() => parseStatusJson('[{"identity":"x","description":"say "hi"","status":"running","pid":1}]'));
});

t.test(
  'Finit services(): JSON on 4.4+, the table on 4.2 and when the JSON is broken; a failure throws',
  async (t) => {
    const table = { stdout: TABLE_42 };
    const services = (exec: Runner, version: string) => initctlFinit('initctl', exec).services(version);
    let exec = fakeRunner({ 'initctl -j status': { stdout: JSON_412 }, 'initctl -p -t status': table });
    t.equal((await services(exec, '4.12')).find((s) => s.identity === 'pod:web')?.restarts, 10);
    t.same(exec.calls, ['initctl -j status'], 'one call');

    exec = fakeRunner({ 'initctl -j status': { stdout: JSON_412 }, 'initctl -p -t status': table });
    t.equal((await services(exec, '4.2')).length, 4, '4.2: the table');
    t.same(exec.calls, ['initctl -p -t status'], '4.2: -j is not tried');

    exec = fakeRunner({
      'initctl -j status': { stdout: '[{"description":"a "b""}]' },
      'initctl -p -t status': table,
    });
    t.equal((await services(exec, '4.12')).length, 4, 'broken JSON (before 4.16): the table');

    // a failed call is not "no services": it throws the typed error
    exec = fakeRunner({
      'initctl -j status': { exitCode: 1, stderr: 'initctl: failed connecting to finit' },
      'initctl -p -t status': table,
    });
    const e = await services(exec, '4.12').catch((x: unknown) => x);
    t.ok(e instanceof FinitError && e instanceof CommandError, '-j exits non-zero: a FinitError');
    t.match(e, {
      message: 'initctl -j status failed: initctl: failed connecting to finit',
      command: ['initctl', '-j', 'status'],
      exitCode: 1,
      stderr: 'initctl: failed connecting to finit',
    });
    exec = fakeRunner({ 'initctl -p -t status': { exitCode: 255, stdout: '' } });
    await t.rejects(
      services(exec, '4.2'),
      { message: 'initctl -p -t status failed: exit 255' },
      '4.2: the table fails',
    );
    exec = fakeRunner({ 'initctl -j status': { exitCode: 1, stdout: '[]' } });
    await t.rejects(services(exec, '4.12'), FinitError, 'even with output that reads as no services');
  },
);

t.test('Finit restart(): initctl restart IDENT; a failure throws', async (t) => {
  let exec = fakeRunner({ 'initctl restart pod:web': {} });
  await initctlFinit('initctl', exec).restart('pod:web');
  t.same(exec.calls, ['initctl restart pod:web']);
  exec = fakeRunner({
    'initctl restart pod:web': { exitCode: 1, stderr: 'initctl: no such task or service(s): pod:web' },
  });
  await t.rejects(initctlFinit('initctl', exec).restart('pod:web'), {
    message: 'initctl restart pod:web failed: initctl: no such task or service(s): pod:web',
    exitCode: 1,
  });
});

// ------------------------------------------------------------------ doctor's helpers

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

// ------------------------------------------------------------------ the status view

const PODMAN = '/usr/bin/podman';
const INITCTL = '/sbin/initctl';

/** The real adapters over a fake runner, with Finit's version and condition given. */
function adapters(
  version: string,
  ready: boolean,
  exec: Runner,
): { finit: Finit; podman: ReturnType<typeof podmanCli> } {
  const finit: Finit = {
    ...initctlFinit(INITCTL, exec),
    version: async () => version,
    reload: async () => undefined,
    condGet: async (name) => {
      if (name !== 'finit-pods') throw new Error(`unexpected condition ${name}`);
      return ready;
    },
    condSet: async () => undefined,
  };
  return { finit, podman: podmanCli(PODMAN, exec) };
}

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

const psRow = (id: string, name: string, state: string, extra: Record<string, unknown> = {}) => ({
  Id: id.padEnd(64, '0'),
  Names: [name],
  State: state,
  Image: 'localhost/busybox:latest',
  Labels: { 'io.finit-pods.managed': 'true', 'io.finit-pods.pod': name },
  ...extra,
});

/** A units directory and the rest of a SyncConfig in a temporary directory, and a unit writer. */
function tempConfig(t: Test): { cfg: SyncConfig; units: string; unit: (file: string, text: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'finit-pods-inspect-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const units = join(dir, 'containers');
  mkdirSync(units);
  const cfg: SyncConfig = {
    unitsDir: units,
    stanzaDir: join(dir, 'finit.d'),
    runDir: join(dir, 'run'),
    cniDir: join(dir, 'cni'),
    podman: PODMAN,
  };
  return { cfg, units, unit: (file, text) => writeFileSync(join(units, file), text) };
}

t.test('collectStatus + formatStatus: every state, checked against docs/status.schema.json', async (t) => {
  const { cfg, units, unit } = tempConfig(t);
  unit(
    'web.container',
    '[Container]\nImage=localhost/busybox:latest\nExec=httpd -f -p 8080\nPublishPort=8080:8080\n',
  );
  unit('crash.container', '[Container]\nImage=localhost/busybox:latest\nExec=false\n');
  unit('noimg.container', '[Container]\nImage=localhost/nothere:latest\n');
  unit('bad.container', '[Container]\nImgae=localhost/busybox:latest\n');
  unit(
    'warn.container',
    '[Unit]\nBefore=web.container\n\n[Container]\nImage=localhost/busybox:latest\nContainerName=warned\n',
  );
  unit('idle.container', '[Container]\nImage=localhost/busybox:latest\nExec=sleep 1000\n');
  unit('app.network', '[Network]\n');
  unit('data.volume', '[Volume]\nVolumeName=the-data\n');
  unit('x.kube', '[Kube]\nYaml=x.yaml\n');
  const now = Math.floor(Date.now() / 1000);
  const ps = [
    psRow('aaaaaaaaaaaa', 'web', 'running', { StartedAt: now - 300 }),
    psRow('bbbbbbbbbbbb', 'crash', 'created'),
    psRow('cccccccccccc', 'warned', 'Exited', { Labels: { 'io.finit-pods.pod': 'warn' } }),
  ];
  const images = [{ Id: 'f'.repeat(64), Names: ['localhost/busybox:latest'] }];
  const answers = (services: string, json: boolean) => ({
    [`${INITCTL} ${json ? '-j' : '-p -t'} status`]: { stdout: services },
    [`${PODMAN} ps -a --format json`]: { stdout: JSON.stringify(ps) },
    [`${PODMAN} images --format json`]: { stdout: JSON.stringify(images) },
  });
  const svcJson = JSON.stringify([
    { identity: 'pod:web', status: 'running', pid: 301, restarts: 2 },
    { identity: 'pod:crash', status: 'crashed', pid: 0, restarts: 10 },
    { identity: 'pod:warn', status: 'running', pid: 305, restarts: 0 },
    { identity: 'pod:idle', status: 'running', pid: 306, restarts: 0 },
    { identity: 'keventd', status: 'running', pid: 120, restarts: 0 },
  ]);

  const view = await collectStatus(cfg, adapters('4.12', true, fakeRunner(answers(svcJson, true))));
  t.same(validate(schema, view), [], 'the view is valid by docs/status.schema.json');
  t.equal(view.finitVersion, '4.12');
  t.equal(view.ready, true);
  t.equal(view.healthy, false, 'not every unit is healthy');
  const by = (n: string) => view.units.find((u) => u.name === n)!;
  t.same(
    view.units.map((u) => `${u.kind}:${u.name}`),
    [
      'network:app',
      'container:bad',
      'container:crash',
      'volume:the-data',
      'container:idle',
      'container:noimg',
      'container:warn',
      'container:web',
      'other:x',
    ],
    'one entry per unit file, sorted by file name',
  );

  const web = by('web');
  t.same(web.finit, { status: 'running', pid: 301, restarts: 2 }, 'web: Finit');
  t.equal(web.container?.id, 'aaaaaaaaaaaa', 'web: 12-digit ID');
  t.equal(web.container?.state, 'running');
  t.equal(web.container?.startedAt, new Date((now - 300) * 1000).toISOString());
  t.ok(web.uptime !== undefined && web.uptime >= 299 && web.uptime <= 302, `web: uptime ${web.uptime}`);
  t.same(web.image, { ref: 'localhost/busybox:latest', present: true });
  t.equal(web.healthy, true);
  t.notOk('problem' in web, 'a healthy unit has no problem');

  const crash = by('crash');
  t.equal(crash.finit?.status, 'crashed');
  t.equal(crash.container?.state, 'created');
  t.notOk('uptime' in crash || 'startedAt' in (crash.container ?? {}), 'no uptime unless running');
  t.equal(crash.problem, 'Finit gave up restarting it (crashed)');

  t.same(by('noimg').image, { ref: 'localhost/nothere:latest', present: false });
  t.match(by('noimg').problem, /^image missing: localhost\/nothere:latest/);
  t.notOk(by('noimg').finit, 'noimg: no stanza, so Finit does not know it');

  const bad = by('bad');
  t.equal(bad.unit.state, 'error');
  t.match(bad.unit.messages.join('\n'), /bad\.container:2: error: .*Imgae/, 'FILE:LINE of the typo');
  t.match(bad.problem, /^unit invalid: .*bad\.container:2: error: /);

  const warn = by('warn');
  t.equal(warn.unit.state, 'warning');
  t.match(warn.unit.messages[0], /warn\.container:2: warning: Before=/, 'FILE:LINE of the warning');
  t.same(warn.container?.name, 'warned', 'ContainerName= is the container looked for');
  t.equal(warn.container?.state, 'exited', "podman's state in lower case");
  t.equal(warn.problem, 'the container is exited');

  t.notOk(by('idle').container, 'idle: no container');
  t.equal(by('idle').problem, 'the container is missing');
  t.same(by('app'), {
    name: 'app',
    kind: 'network',
    file: join(units, 'app.network'),
    unit: { state: 'ok', messages: [] },
    healthy: true,
  });
  t.equal(by('the-data').kind, 'volume', 'VolumeName= names the volume');
  t.equal(by('x').kind, 'other');

  const text = formatStatus(view);
  const lines = text.split('\n');
  t.match(lines[0], /^UNIT\s+STATE\s+FINIT\s+RESTARTS\s+CONTAINER\s+ID\s+IMAGE\s+UPTIME$/, 'the header');
  t.match(text, /^pod:web\s+ok\s+running\s+2\s+running\s+aaaaaaaaaaaa\s+present\s+5m$/m, 'web: every column');
  t.match(text, /^pod:crash\s+ok\s+crashed\s+10\s+created\s+bbbbbbbbbbbb\s+present\s+-$/m, 'crash');
  t.match(text, /^pod:noimg\s+ok\s+-\s+-\s+-\s+-\s+missing\s+-$/m, 'noimg');
  t.match(text, /^pod:bad\s+error\s+-/m, 'bad');
  t.match(text, /^network:app\s+ok\s+-\s+-\s+-\s+-\s+-\s+-$/m, 'a network');
  t.match(text, /^pod:crash: Finit gave up restarting it \(crashed\)$/m, 'the problem of each unhealthy pod');
  t.match(text, /^pod:bad: unit invalid: .*bad\.container:2: error: /m, 'unit invalid with FILE:LINE');
  t.match(text, /^ {4}.*bad\.container:1: error: no Image=/m, "the unit's other messages, indented");
  t.notMatch(text, /^ {4}.*bad\.container:2:/m, 'the message the problem quotes is not repeated');
  t.match(text, /^ {4}.*warn\.container:2: warning: /m, 'warnings are shown');
  t.notMatch(text, /not set/, 'no note while the condition is set');
  const widths = lines.filter((l) => /^(pod|network|volume|other):/.test(l) && !/: /.test(l));
  t.equal(widths.length, 9, 'one row per unit');
  t.equal(text.endsWith('\n'), true);

  // Finit 4.2: no restart count; the condition not set yet (a fresh boot)
  const table = `301  pod:web  running  [--2345----] Web\n0    pod:crash  ready  [--2345----]\n`;
  const old = await collectStatus(cfg, adapters('4.2', false, fakeRunner(answers(table, false))));
  t.same(validate(schema, old), [], '4.2 view is valid');
  t.equal(old.ready, false);
  t.same(
    old.units.find((u) => u.name === 'web')?.finit,
    { status: 'running', pid: 301 },
    'no restarts on 4.2',
  );
  t.match(old.units.find((u) => u.name === 'crash')?.problem, /^waiting for the condition usr\/finit-pods/);
  t.match(old.units.find((u) => u.name === 'idle')?.problem, /^no Finit stanza yet/);
  const oldText = formatStatus(old);
  t.match(oldText, /^pod:web\s+ok\s+running\s+-\s+running/m, 'RESTARTS is - on 4.2');
  t.match(oldText, /^note: usr\/finit-pods is not set, so no pod may start yet$/m, 'the note');

  // NAMEs: pod names or unit file names
  const some = await collectStatus(cfg, adapters('4.12', true, fakeRunner(answers(svcJson, true))), [
    'web',
    'app.network',
  ]);
  t.same(
    some.units.map((u) => u.name),
    ['app', 'web'],
    'only the units named',
  );
  t.equal(some.healthy, true, 'healthy: both named units are');
  t.same(validate(schema, some), []);
  const none = await collectStatus(cfg, adapters('4.12', true, fakeRunner(answers(svcJson, true))), ['zzz']);
  t.same(none.units, [], 'no unit of that name');
});

t.test('doctor: a container of ours whose unit is gone is named; --fix stops and removes it', async (t) => {
  const { cfg, unit } = tempConfig(t);
  unit('web.container', '[Container]\nImage=localhost/busybox:latest\nExec=httpd -f\n');
  const ps = [
    psRow('aaaaaaaaaaaa', 'web', 'running'),
    psRow('bbbbbbbbbbbb', 'gone', 'running'), // its unit removed, Finit no longer runs it
    psRow('cccccccccccc', 'going', 'running'), // its unit removed, Finit still stopping it
    psRow('dddddddddddd', 'hand', 'running', { Labels: { 'io.finit-pods.pod': 'hand' } }), // not ours
  ];
  const answers = {
    [`${INITCTL} -j status`]: {
      stdout: JSON.stringify([
        { identity: 'pod:web', status: 'running', pid: 301, restarts: 0 },
        { identity: 'pod:going', status: 'stopping', pid: 302, restarts: 0 },
      ]),
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

t.test('status: a listing that fails is unknown, never missing, and the view is not healthy', async (t) => {
  const { cfg, unit } = tempConfig(t);
  unit('web.container', '[Container]\nImage=localhost/busybox:latest\nExec=httpd -f\n');
  unit('idle.container', '[Container]\nImage=localhost/busybox:latest\nExec=sleep 1000\n');
  unit('app.network', '[Network]\n');
  const now = Math.floor(Date.now() / 1000);
  const svc = { stdout: JSON.stringify([{ identity: 'pod:web', status: 'running', pid: 301, restarts: 0 }]) };
  const ps = { stdout: JSON.stringify([psRow('aaaaaaaaaaaa', 'web', 'running', { StartedAt: now - 10 })]) };
  const images = { stdout: JSON.stringify([{ Id: 'f'.repeat(64), Names: ['localhost/busybox:latest'] }]) };
  const locked = { exitCode: 125, stderr: 'Error: database is locked' };
  const answers = (o: Record<string, Partial<RunResult>> = {}) =>
    fakeRunner({
      [`${INITCTL} -j status`]: svc,
      [`${PODMAN} ps -a --format json`]: ps,
      [`${PODMAN} images --format json`]: images,
      ...o,
    });
  const by = (v: StatusView, n: string) => v.units.find((u) => u.name === n)!;

  const healthy = await collectStatus(cfg, adapters('4.12', true, answers()), ['web']);
  t.equal(healthy.healthy, true, 'the same units, every listing read: healthy');
  t.notOk('failures' in healthy, 'no failures');

  // podman ps fails
  const v = await collectStatus(
    cfg,
    adapters('4.12', true, answers({ [`${PODMAN} ps -a --format json`]: locked })),
  );
  t.same(validate(schema, v), [], 'valid by docs/status.schema.json');
  t.same(
    v.failures,
    ['podman ps failed: Error: database is locked'],
    'failures names the call and what it said',
  );
  t.equal(v.healthy, false, 'not healthy: status exits 1');
  t.same(by(v, 'web').container, { state: 'unknown' }, 'web: the container is unknown');
  t.same(by(v, 'idle').container, { state: 'unknown' }, 'idle: unknown, not missing');
  t.equal(by(v, 'web').healthy, false);
  t.equal(
    by(v, 'web').problem,
    "the container's state is unknown: podman ps failed: Error: database is locked",
  );
  t.equal(
    by(v, 'idle').problem,
    'no Finit stanza yet: run finit-pods sync (or start the daemon)',
    'what is known still says',
  );
  t.same(by(v, 'web').finit, { status: 'running', pid: 301, restarts: 0 }, "Finit's answer is kept");
  const text = formatStatus(v);
  t.match(text, /^pod:web\s+ok\s+running\s+0\s+unknown\s+-\s+present\s+-$/m, 'CONTAINER: unknown');
  t.match(
    text,
    /^unknown: podman ps failed: Error: database is locked$/m,
    'the failure, on a line of its own',
  );
  t.notMatch(text, /missing/, 'nothing is called missing');
  const netOnly = await collectStatus(
    cfg,
    adapters('4.12', true, answers({ [`${PODMAN} ps -a --format json`]: locked })),
    ['app'],
  );
  t.equal(netOnly.healthy, false, 'a failed listing is not healthy even where no unit shown needs it');
  t.same(validate(schema, netOnly), []);
  const unreadable = await collectStatus(
    cfg,
    adapters('4.12', true, answers({ [`${PODMAN} ps -a --format json`]: { stdout: 'Error: not JSON' } })),
  );
  t.same(by(unreadable, 'web').container, { state: 'unknown' }, 'output that cannot be read: unknown too');

  // initctl -j status fails
  const f = await collectStatus(
    cfg,
    adapters(
      '4.12',
      true,
      answers({ [`${INITCTL} -j status`]: { exitCode: 255, stderr: 'initctl: timeout' } }),
    ),
  );
  t.same(validate(schema, f), [], 'valid');
  t.same(f.failures, ['initctl -j status failed: initctl: timeout']);
  t.same(by(f, 'web').finit, { status: 'unknown' }, "web: Finit's state unknown");
  t.same(by(f, 'idle').finit, { status: 'unknown' }, 'idle: unknown, not "no stanza"');
  t.equal(by(f, 'idle').problem, "Finit's state is unknown: initctl -j status failed: initctl: timeout");
  t.equal(f.healthy, false);
  t.match(formatStatus(f), /^pod:web\s+ok\s+unknown\s+-\s+running\s+aaaaaaaaaaaa/m, 'FINIT: unknown');

  // podman images fails: presence unknown; the pod itself is seen running
  const i = await collectStatus(
    cfg,
    adapters('4.12', true, answers({ [`${PODMAN} images --format json`]: locked })),
  );
  t.same(validate(schema, i), [], 'valid');
  t.same(by(i, 'web').image, { ref: 'localhost/busybox:latest' }, 'image: no present');
  t.equal(by(i, 'web').healthy, true, 'web runs: healthy');
  t.equal(i.healthy, false, 'the view is not: a listing failed');
  t.match(
    formatStatus(i),
    /^pod:web\s+ok\s+running\s+0\s+running\s+aaaaaaaaaaaa\s+unknown\s+\d+s$/m,
    'IMAGE: unknown',
  );
});

t.test('doctor: a failed listing is a finding, and --fix acts on nothing that depends on it', async (t) => {
  const { cfg, unit } = tempConfig(t);
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

t.test('status.schema.json: the documented example is valid; broken views are not', async (t) => {
  const doc = readFileSync(join(REPO_DIR, 'docs', 'status.md'), 'utf8');
  const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
  t.ok(example, 'docs/status.md has a JSON example');
  t.same(validate(schema, JSON.parse(example!)), [], 'the example in docs/status.md is valid');

  const good: StatusView = {
    finitVersion: '4.2',
    ready: true,
    healthy: true,
    units: [
      {
        name: 'web',
        kind: 'container',
        file: '/cfg/containers/web.container',
        unit: { state: 'ok', messages: [] },
        finit: { status: 'running', pid: 201 },
        container: {
          id: '2283fae7bc8f',
          name: 'web',
          state: 'running',
          image: 'localhost/busybox:latest',
          startedAt: '2025-11-29T15:11:52.000Z',
        },
        uptime: 3,
        image: { ref: 'localhost/busybox:latest', present: true },
        healthy: true,
      },
    ],
  };
  t.same(validate(schema, good), [], 'a healthy view');
  type Loose = Record<string, unknown> & { units: Record<string, unknown>[] };
  const bad = (what: string, edit: (v: Loose) => void) => {
    const v = structuredClone(good) as unknown as Loose;
    edit(v);
    t.not(validate(schema, v).length, 0, `invalid: ${what} (${validate(schema, v)[0]})`);
  };
  bad('an undocumented field', (v) => {
    v.units[0]!.extra = 1;
  });
  bad('an undocumented top-level field', (v) => {
    v.daemon = true;
  });
  bad('unhealthy without a problem', (v) => {
    v.units[0]!.healthy = false;
  });
  bad('healthy with a problem', (v) => {
    v.units[0]!.problem = 'x';
  });
  bad('unit error but healthy', (v) => {
    v.units[0]!.unit = { state: 'error', messages: ['/cfg/containers/web.container:2: error: x'] };
  });
  bad('a message without FILE: severity:', (v) => {
    v.units[0]!.unit = { state: 'warning', messages: ['something'] };
  });
  bad('state ok with messages', (v) => {
    v.units[0]!.unit = { state: 'ok', messages: ['/cfg/containers/web.container:2: warning: x'] };
  });
  bad('uptime without a running container', (v) => {
    v.units[0]!.container = { id: '2283fae7bc8f', name: 'web', state: 'exited', image: 'i' };
  });
  bad('a network with a container', (v) => {
    v.units[0]!.kind = 'network';
  });
  bad('a long container ID', (v) => {
    (v.units[0]!.container as { id: string }).id = '2283fae7bc8f00';
  });
  bad('restarts as a string', (v) => {
    v.units[0]!.finit = { status: 'running', pid: 1, restarts: '2' };
  });
  bad('a healthy pod Finit does not run', (v) => {
    v.units[0]!.finit = { status: 'crashed', pid: 0 };
  });
  bad('an unknown kind', (v) => {
    v.units[0]!.kind = 'pod';
  });
  bad('finitVersion missing', (v) => {
    delete v.finitVersion;
  });
  bad('healthy with failures', (v) => {
    v.failures = ['podman ps failed: x'];
  });
  bad('empty failures', (v) => {
    v.healthy = false;
    v.failures = [];
  });
  bad('a container without an ID that is not unknown', (v) => {
    v.units[0]!.container = { state: 'exited' };
    v.units[0]!.healthy = false;
    v.units[0]!.problem = 'x';
    delete v.units[0]!.uptime;
  });
  bad('an unknown container with a name', (v) => {
    v.units[0]!.container = { state: 'unknown', name: 'web' };
  });
  bad('a Finit state without a PID that is not unknown', (v) => {
    v.units[0]!.finit = { status: 'stopped' };
  });
  bad('an unknown Finit state with restarts', (v) => {
    v.units[0]!.finit = { status: 'unknown', restarts: 1 };
  });
  const unknown = structuredClone(good) as unknown as Loose;
  unknown.healthy = false;
  unknown.failures = ['podman ps failed: Error: database is locked', 'initctl -j status failed: exit 255'];
  Object.assign(unknown.units[0]!, {
    finit: { status: 'unknown' },
    container: { state: 'unknown' },
    image: { ref: 'localhost/busybox:latest' },
    healthy: false,
    problem: "Finit's state is unknown: initctl -j status failed: exit 255",
  });
  delete unknown.units[0]!.uptime;
  t.same(validate(schema, unknown), [], 'a view with failures and unknown states is valid');
});

t.test("status: what the daemon's last apply could not do to a valid unit is its problem", async (t) => {
  const { cfg, units, unit } = tempConfig(t);
  unit('web.container', '[Container]\nImage=localhost/busybox:latest\nExec=httpd -f\n');
  const svc = { stdout: JSON.stringify([{ identity: 'pod:web', status: 'running', pid: 301, restarts: 0 }]) };
  const ps = { stdout: JSON.stringify([psRow('aaaaaaaaaaaa', 'web', 'running', { StartedAt: 1 })]) };
  const images = { stdout: JSON.stringify([{ Id: 'f'.repeat(64), Names: ['localhost/busybox:latest'] }]) };
  const exec = fakeRunner({
    [`${INITCTL} -j status`]: svc,
    [`${PODMAN} ps -a --format json`]: ps,
    [`${PODMAN} images --format json`]: images,
  });
  const why = `${join(units, 'web.container')}: error: cannot write /etc/finit.d/enabled/pod-web.argv: ENOSPC: no space left on device; the last stanza is kept and the pod keeps running as it was`;
  mkdirSync(cfg.runDir, { recursive: true });
  const state = (at: Date) =>
    writeFileSync(
      join(cfg.runDir, 'state.json'),
      JSON.stringify({
        updatedAt: at.toISOString(),
        units: {
          [join(units, 'web.container')]: {
            kind: 'container',
            state: 'error',
            last: 'kept',
            messages: [why],
          },
        },
      }),
    );
  state(new Date(Date.now() + 1000));
  const v = await collectStatus(cfg, adapters('4.12', true, exec));
  const web = v.units[0]!;
  t.equal(web.unit.state, 'error');
  t.equal(web.problem, `not applied: ${why}`);
  t.notOk(v.healthy, 'running on its last stanza, but not as the unit says: not healthy');
  // an edit after that apply: the daemon has not looked at it yet, so its old words do not count
  state(new Date(Date.now() - 60_000));
  const after = await collectStatus(cfg, adapters('4.12', true, exec));
  t.equal(after.units[0]!.unit.state, 'ok');
  t.ok(after.healthy);
});
