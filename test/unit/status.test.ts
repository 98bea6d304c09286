// The status view (src/inspect/status.ts) built from the adapters over a fake runner, checked
// against docs/status.schema.json and formatted; a listing that fails is `unknown`, and what the
// daemon's last apply could not do is the unit's problem.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { RunResult } from '../../src/apply/run.js';
import { collectStatus, formatStatus, type StatusView } from '../../src/inspect/status.js';
import { fakeRunner } from '../helpers/fakes.js';
import { adapters, INITCTL, inspectConfig, PODMAN, psRow } from '../helpers/inspect.js';
import { type Schema, validate } from '../helpers/json-schema.js';
import { REPO_DIR } from '../helpers/testbed.js';

const schema = JSON.parse(readFileSync(join(REPO_DIR, 'docs', 'status.schema.json'), 'utf8')) as Schema;

t.test('collectStatus + formatStatus: every state, checked against docs/status.schema.json', async (t) => {
  const { cfg, units, unit } = inspectConfig(t);
  unit(
    'web.container',
    '[Container]\nImage=localhost/busybox:latest\nExec=httpd -f -p 8080\nPublishPort=8080:8080\n',
  );
  unit('crash.container', '[Container]\nImage=localhost/busybox:latest\nExec=false\n');
  unit('noimg.container', '[Container]\nImage=localhost/nothere:latest\n');
  unit('bad.container', '[Container]\nImgae=localhost/busybox:latest\n');
  unit(
    'warn.container',
    '[Unit]\nConflicts=web.container\n\n[Container]\nImage=localhost/busybox:latest\nContainerName=warned\n',
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
      'kube:x',
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
  t.match(warn.unit.messages[0], /warn\.container:2: warning: Conflicts=/, 'FILE:LINE of the warning');
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
  t.equal(by('x').kind, 'kube');

  const text = formatStatus(view);
  const lines = text.split('\n');
  t.match(
    lines[0],
    /^UNIT\s+STATE\s+FINIT\s+RESTARTS\s+CONTAINER\s+ID\s+IMAGE\s+UPTIME\s+HEALTH$/,
    'the header',
  );
  t.match(
    text,
    /^pod:web\s+ok\s+running\s+2\s+running\s+aaaaaaaaaaaa\s+present\s+5m\s+-$/m,
    'web: every column',
  );
  t.match(text, /^pod:crash\s+ok\s+crashed\s+10\s+created\s+bbbbbbbbbbbb\s+present\s+-\s+-$/m, 'crash');
  t.match(text, /^pod:noimg\s+ok\s+-\s+-\s+-\s+-\s+missing\s+-\s+-$/m, 'noimg');
  t.match(text, /^pod:bad\s+error\s+-/m, 'bad');
  t.match(text, /^network:app\s+ok\s+-\s+-\s+-\s+-\s+-\s+-\s+-$/m, 'a network');
  t.match(text, /^pod:crash: Finit gave up restarting it \(crashed\)$/m, 'the problem of each unhealthy pod');
  t.match(text, /^pod:bad: unit invalid: .*bad\.container:2: error: /m, 'unit invalid with FILE:LINE');
  t.match(text, /^ {4}.*bad\.container:1: error: no Image=/m, "the unit's other messages, indented");
  t.notMatch(text, /^ {4}.*bad\.container:2:/m, 'the message the problem quotes is not repeated');
  t.match(text, /^ {4}.*warn\.container:2: warning: /m, 'warnings are shown');
  t.notMatch(text, /not set/, 'no note while the condition is set');
  const widths = lines.filter((l) => /^(pod|network|volume|kube):/.test(l) && !/: /.test(l));
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

t.test('status: a listing that fails is unknown, never missing, and the view is not healthy', async (t) => {
  const { cfg, unit } = inspectConfig(t);
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
  t.match(text, /^pod:web\s+ok\s+running\s+0\s+unknown\s+-\s+present\s+-\s+-$/m, 'CONTAINER: unknown');
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
    /^pod:web\s+ok\s+running\s+0\s+running\s+aaaaaaaaaaaa\s+unknown\s+\d+s\s+-$/m,
    'IMAGE: unknown',
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
  const { cfg, units, unit } = inspectConfig(t);
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

t.test('status: a broken unit whose stanza is kept shows the pod that stanza runs', async (t) => {
  const { cfg, units, unit } = inspectConfig(t);
  // renamed by an edit that also broke it; grown past what is read
  unit('api.container', '[Container]\nImage=localhost/busybox:latest\nServiceName=api2\nBogus=1\n');
  unit('web.container', `[Container]\nServiceName=front\n#${'x'.repeat(70_000)}\n`);
  const exec = fakeRunner({
    [`${INITCTL} -j status`]: {
      stdout: JSON.stringify([
        { identity: 'pod:api1', status: 'running', pid: 301, restarts: 0 },
        { identity: 'pod:front', status: 'running', pid: 302, restarts: 0 },
      ]),
    },
    [`${PODMAN} ps -a --format json`]: {
      stdout: JSON.stringify([
        psRow('aaaaaaaaaaaa', 'api', 'running', { Labels: { 'io.finit-pods.pod': 'api1' } }),
        psRow('bbbbbbbbbbbb', 'web', 'running', { Labels: { 'io.finit-pods.pod': 'front' } }),
      ]),
    },
    [`${PODMAN} images --format json`]: { stdout: '[]' },
  });
  mkdirSync(cfg.runDir, { recursive: true });
  const kept = (pod: string) => ({ kind: 'container', state: 'error', last: 'kept', pod, messages: [] });
  writeFileSync(
    join(cfg.runDir, 'state.json'),
    JSON.stringify({
      updatedAt: new Date(Date.now() + 1000).toISOString(),
      units: { [join(units, 'api.container')]: kept('api1'), [join(units, 'web.container')]: kept('front') },
    }),
  );
  const v = await collectStatus(cfg, adapters('4.12', true, exec));
  t.same(
    v.units.map((u) => [u.name, u.unit.state, u.finit?.status, u.container?.id]),
    [
      ['api1', 'error', 'running', 'aaaaaaaaaaaa'],
      ['front', 'error', 'running', undefined],
    ],
    'each under the pod that runs, not the name the broken unit says or its file name',
  );
  t.same(validate(schema, v), [], 'valid by docs/status.schema.json');
});

t.test(
  'status: a pod with Notify= says whether it is ready; one that runs but is not yet is named',
  async (t) => {
    const { cfg, unit } = inspectConfig(t);
    const IMG = 'localhost/busybox:latest';
    unit('sd.container', `[Container]\nImage=${IMG}\nNotify=true\n`);
    unit('mute.container', `[Container]\nImage=${IMG}\nNotify=true\n`);
    unit('db.container', `[Container]\nImage=${IMG}\nHealthCmd=true\nNotify=healthy\n`);
    unit('plain.container', `[Container]\nImage=${IMG}\n`);
    unit('both.container', `[Container]\nImage=${IMG}\nHealthCmd=true\nNotify=true\n`);
    // held back by Finit: what each waits for that is not there, and why
    unit('app.container', `[Unit]\nRequires=mute.container sd.container\n[Container]\nImage=${IMG}\n`);
    unit('web.container', `[Unit]\nAfter=db.container plain.container\n[Container]\nImage=${IMG}\n`);
    unit('job.container', `[Unit]\nWants=off.container\n[Container]\nImage=${IMG}\n`);
    unit('off.container', `[Container]\nImage=${IMG}\n`);
    const pods = ['sd', 'mute', 'db', 'plain', 'both'];
    const exec = fakeRunner({
      [`${INITCTL} -j status`]: {
        stdout: JSON.stringify([
          ...pods.map((p, i) => ({ identity: `pod:${p}`, status: 'running', pid: 300 + i })),
          ...['app', 'web', 'job'].map((p) => ({ identity: `pod:${p}`, status: 'waiting', pid: 0 })),
        ]),
      },
      [`${PODMAN} ps -a --format json`]: {
        stdout: JSON.stringify(pods.map((p, i) => psRow(`${i + 1}`.repeat(12), p, 'running'))),
      },
      [`${PODMAN} images --format json`]: { stdout: JSON.stringify([{ Id: 'f'.repeat(64), Names: [IMG] }]) },
    });
    const asked: string[] = [];
    const base = adapters('4.12', true, exec);
    const set = new Set(['finit-pods', 'ready-pod-sd']);
    const finit = {
      ...base.finit,
      condGet: async (name: string) => {
        asked.push(name);
        return set.has(name);
      },
    };
    const view = await collectStatus(cfg, { ...base, finit });
    t.same(validate(schema, view), [], 'valid by docs/status.schema.json');
    t.same(
      asked.sort(),
      ['finit-pods', 'ready-pod-both', 'ready-pod-db', 'ready-pod-mute', 'ready-pod-sd'],
      'only pods with Notify=',
    );
    const by = (n: string) => view.units.find((u) => u.name === n)!;
    t.equal(by('sd').ready, true);
    t.equal(by('mute').ready, false);
    t.equal(by('db').ready, false);
    t.notOk('ready' in by('plain'), 'absent without Notify=');
    t.equal(by('mute').healthy, true, 'not ready yet is not a fault');
    t.equal(by('sd').notify, 'true');
    t.equal(by('db').notify, 'healthy');
    t.notOk('notify' in by('plain'));
    t.equal(
      by('app').problem,
      'Finit says waiting: waiting for pod:mute (not ready: its container has not sent READY=1)',
    );
    t.equal(
      by('web').problem,
      'Finit says waiting: waiting for pod:db (not ready: its health check has not passed)',
    );
    t.equal(by('job').problem, 'Finit says waiting: waiting for pod:off (not known to Finit)');
    const text = formatStatus(view);
    t.match(
      text,
      /^pod:mute: not ready yet \(its container has not sent READY=1\): what waits for it waits$/m,
    );
    t.notMatch(text, /^pod:sd: not ready/m);
    t.match(text, /^pod:db: not ready yet \(its health check has not passed\)/m);
    t.match(
      text,
      /^pod:both: not ready yet \(its container has not sent READY=1\)/m,
      'Notify=true with a health check: READY=1 makes it ready, not the check',
    );
  },
);

t.test("status: a pod Finit's list lacks is asked for by name; a broken unit's is not", async (t) => {
  // Finit's one iterator, shared by every client: a list read while another is has gaps
  const { cfg, unit } = inspectConfig(t);
  unit('web.container', '[Container]\nImage=localhost/busybox:latest\nExec=httpd -f\n');
  unit('bad.container', '[Container]\nImgae=localhost/busybox:latest\n');
  const now = Math.floor(Date.now() / 1000);
  const exec = fakeRunner({
    [`${INITCTL} -j status`]: { stdout: '[]' },
    [`${INITCTL} -j status pod:web`]: {
      stdout: '{ "identity": "pod:web", "status": "running", "pid": 301, "restarts": 0 }',
    },
    [`${PODMAN} ps -a --format json`]: {
      stdout: JSON.stringify([psRow('aaaaaaaaaaaa', 'web', 'running', { StartedAt: now - 10 })]),
    },
    [`${PODMAN} images --format json`]: {
      stdout: JSON.stringify([{ Id: 'f'.repeat(64), Names: ['localhost/busybox:latest'] }]),
    },
  });
  const view = await collectStatus(cfg, adapters('4.12', true, exec));
  t.match(view.units.find((u) => u.name === 'web')?.finit, { status: 'running', pid: 301 }, 'web: running');
  t.notOk(view.units.find((u) => u.name === 'bad')?.finit, 'bad: no service');
  t.same(
    exec.calls.filter((c) => c.startsWith(`${INITCTL} -j status `)),
    [`${INITCTL} -j status pod:web`],
    'only the usable unit is asked for by name',
  );
});
