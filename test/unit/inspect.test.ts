// The operability commands without a machine: Finit's status in both forms (src/apply/
// finit-status.ts), published and listening ports and the findings' text (src/inspect/
// doctor.ts), and the status view (src/inspect/status.ts) built from a fake Finit and a fake
// podman, checked against docs/status.schema.json and formatted.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Finit } from '../../src/apply/finit.js';
import { finitServices, parseStatusJson, parseStatusTable } from '../../src/apply/finit-status.js';
import type { Runner, RunResult } from '../../src/apply/run.js';
import type { SyncConfig } from '../../src/apply/sync.js';
import {
  doctor,
  type Finding,
  formatFindings,
  listeningPorts,
  publishedHostPorts,
} from '../../src/inspect/doctor.js';
import { collectStatus, formatStatus, type StatusView } from '../../src/inspect/status.js';
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

/** A Runner that answers from a table of "file arg arg…" → result, and records the calls. */
function fakeRunner(answers: Record<string, Partial<RunResult>>): Runner & { calls: string[] } {
  const calls: string[] = [];
  const runner = (async (file: string, args: readonly string[]) => {
    const key = [file, ...args].join(' ');
    calls.push(key);
    const a = answers[key];
    if (!a) return { exitCode: 127, stdout: '', stderr: `fake: no answer for ${key}`, timedOut: false };
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...a };
  }) as Runner & { calls: string[] };
  runner.calls = calls;
  return runner;
}

t.test('finitServices: JSON on 4.4+, the table on 4.2 and when the JSON is broken', async (t) => {
  const table = { stdout: TABLE_42 };
  let exec = fakeRunner({ 'initctl -j status': { stdout: JSON_412 }, 'initctl -p -t status': table });
  t.equal((await finitServices('initctl', true, exec)).find((s) => s.identity === 'pod:web')?.restarts, 10);
  t.same(exec.calls, ['initctl -j status'], 'one call');

  exec = fakeRunner({ 'initctl -j status': { stdout: JSON_412 }, 'initctl -p -t status': table });
  t.equal((await finitServices('initctl', false, exec)).length, 4, '4.2: the table');
  t.same(exec.calls, ['initctl -p -t status'], '4.2: -j is not tried');

  exec = fakeRunner({
    'initctl -j status': { stdout: '[{"description":"a "b""}]' },
    'initctl -p -t status': table,
  });
  t.equal((await finitServices('initctl', true, exec)).length, 4, 'broken JSON: the table');
  exec = fakeRunner({ 'initctl -j status': { exitCode: 1 }, 'initctl -p -t status': table });
  t.equal((await finitServices('initctl', true, exec)).length, 4, '-j fails: the table');
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

function fakeFinit(version: string, ready: boolean): Finit {
  return {
    initctl: INITCTL,
    version: async () => version,
    reload: async () => undefined,
    condGet: async (name) => {
      if (name !== 'finit-pods') throw new Error(`unexpected condition ${name}`);
      return ready;
    },
    condSet: async () => undefined,
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

  const view = await collectStatus(cfg, fakeFinit('4.12', true), fakeRunner(answers(svcJson, true)));
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
  const old = await collectStatus(cfg, fakeFinit('4.2', false), fakeRunner(answers(table, false)));
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
  const some = await collectStatus(cfg, fakeFinit('4.12', true), fakeRunner(answers(svcJson, true)), [
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
  const none = await collectStatus(cfg, fakeFinit('4.12', true), fakeRunner(answers(svcJson, true)), ['zzz']);
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
  const found = await doctor(cfg, fakeFinit('4.12', true), exec);
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
  const fixed = await doctor(cfg, fakeFinit('4.12', true), fixExec, { fix: true });
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
});
