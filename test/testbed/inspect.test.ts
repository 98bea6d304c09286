// `finit-pods status`, `show` and `doctor` against a real Finit and a real Podman, on every stack
// (FINIT_PODS_STACKS), each stack in its own sandbox: the podman-service crash (a lingering container
// holding the pod's name), `status --json` checked against docs/status.schema.json for pods
// running, crashed, with the image missing, with an invalid unit and waiting for the start
// condition after a boot; the command `show` prints, pasted into a shell; and doctor's reasons
// and remedies for a taken port, a missing network and a running container it does not own.
// Needs a build (dist/): `npx tsc -p tsconfig.json`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { StatusView } from '../../src/inspect/status.js';
import { type Schema, validate } from '../helpers/json-schema.js';
import {
  type ExecResult,
  finitAtLeast,
  IMAGE,
  REPO_DIR,
  stacksFromEnv,
  Testbed,
} from '../helpers/testbed.js';

const CLI = path.join(REPO_DIR, 'dist', 'cli', 'launch.cjs');
const HELLO = '<h1>hello from busybox</h1>';
const SCHEMA = JSON.parse(readFileSync(path.join(REPO_DIR, 'docs', 'status.schema.json'), 'utf8')) as Schema;
/** Finit 4.12 and later back off between restarts: they give up on a crash loop after about 40 s. */
const CRASH_TIMEOUT = 150_000;

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

/** `finit-pods ARGS` inside the sandbox. */
function cli(tb: Testbed, ...args: string[]): Promise<ExecResult> {
  return tb.exec(['node', CLI, ...args], { reject: false, timeout: 180_000 });
}

interface StatusRun {
  exitCode: number;
  view: StatusView;
  /** Schema violations (empty when the output is valid). */
  errors: string[];
}

/** `finit-pods status --json [NAME…]`, parsed and validated against docs/status.schema.json. */
async function status(tb: Testbed, ...names: string[]): Promise<StatusRun> {
  const r = await cli(tb, 'status', '--json', ...names);
  let view: StatusView;
  try {
    view = JSON.parse(r.stdout) as StatusView;
  } catch {
    throw new Error(`status --json printed no JSON (exit ${r.exitCode}): ${r.stdout}\n${r.stderr}`);
  }
  return { exitCode: r.exitCode, view, errors: validate(SCHEMA, view) };
}

/** Every container named NAME, running or not: "ID STATE" lines (12-digit ID, lower-case state). */
async function containersNamed(tb: Testbed, name: string): Promise<string> {
  // JSON: Podman 4.3's {{.State}} is "Up 5 seconds ago", 5.4's is "running"
  const r = await tb.podman('ps', '-a', '--filter', `name=^${name}$`, '--format', 'json');
  const rows = (JSON.parse(r.stdout || '[]') ?? []) as { Id: string; State: string }[];
  return rows.map((c) => `${c.Id.slice(0, 12)} ${c.State.toLowerCase()}`).join('\n');
}

async function waitGone(tb: Testbed, name: string): Promise<void> {
  await tb.waitFor(async () => (await containersNamed(tb, name)) === '', {
    timeout: 60_000,
    message: `no container named ${name}`,
  });
}

/** Wait until `finit-pods status` exits 0 (every unit healthy); returns the view. */
async function waitHealthy(tb: Testbed): Promise<StatusRun> {
  let last: StatusRun | undefined;
  await tb.waitFor(
    async () => {
      last = await status(tb);
      return last.exitCode === 0;
    },
    {
      timeout: 60_000,
      message: `finit-pods status to exit 0 (last: ${last ? JSON.stringify(last.view.units.map((u) => [u.name, u.problem])) : '-'})`,
    },
  );
  return last!;
}

/** Stop pod:NAME and wait until Finit says stopped and its container is gone. */
async function stopPod(tb: Testbed, name: string): Promise<void> {
  await tb.initctl('stop', `pod:${name}`);
  await tb.waitForStatus(`pod:${name}`, 'stopped');
  await waitGone(tb, name);
}

/** Start pod:NAME and wait until Finit gives up on it. */
async function startUntilCrashed(tb: Testbed, name: string): Promise<void> {
  await tb.initctl('start', `pod:${name}`);
  await tb.waitForStatus(`pod:${name}`, 'crashed', { timeout: CRASH_TIMEOUT, interval: 500 });
}

/** Whether a TCP socket listens on PORT in the sandbox's network namespace. */
async function listening(tb: Testbed, port: number): Promise<boolean> {
  const r = await tb.exec(['cat', '/proc/net/tcp', '/proc/net/tcp6'], { reject: false });
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return r.stdout.split('\n').some((l) => {
    const c = l.trim().split(/\s+/);
    return c[3] === '0A' && c[1]?.endsWith(`:${hex}`);
  });
}

async function sync(tb: Testbed): Promise<ExecResult> {
  return cli(tb, 'sync');
}

const webUnit = `[Unit]
Description=Web server on 8080

[Container]
Image=${IMAGE}
Exec=httpd -f -p 8080 -h /www
PublishPort=8080:8080
StopTimeout=2
`;

t.jobs = 2;
// The PID keeps a concurrent run of this file (another engineer's) from re-creating our sandbox.
const NAME = `inspect-${process.pid}`;

for (const stack of stacksFromEnv()) {
  t.test(stack, async (t) => {
    const tb = await Testbed.boot({ stack, name: NAME });
    t.teardown(() => tb.destroy());

    t.test('a running pod: status exits 0; its JSON is valid and says running', async (t) => {
      await tb.writeUnit('web.container', webUnit);
      const s = await sync(tb);
      t.equal(s.exitCode, 0, `sync exits 0 ${s.stderr}`);
      await tb.waitForStatus('pod:web', 'running');
      const id = await tb.waitNewContainer('web');
      await tb.waitHttp(8080, '/', HELLO);

      const st = await waitHealthy(tb);
      t.same(st.errors, [], 'status --json is valid by docs/status.schema.json');
      t.equal(st.view.ready, true, 'ready: the condition is set');
      t.equal(st.view.healthy, true, 'healthy');
      t.equal(st.view.finitVersion, tb.info.finit, 'finitVersion');
      const web = st.view.units.find((u) => u.name === 'web');
      t.ok(web, 'pod web is listed');
      t.equal(web?.kind, 'container');
      t.equal(web?.file, '/cfg/containers/web.container');
      t.same(web?.unit, { state: 'ok', messages: [] }, 'unit ok');
      t.equal(web?.finit?.status, 'running', 'finit.status running');
      t.ok((web?.finit?.pid ?? 0) > 0, 'finit.pid');
      // the restart count comes from `initctl -j status`, which Finit has from 4.4
      if (finitAtLeast(tb.info, '4.4')) t.equal(typeof web?.finit?.restarts, 'number', 'restarts');
      else t.notOk(web?.finit && 'restarts' in web.finit, `no restart count on Finit ${tb.info.finit}`);
      t.equal(web?.container?.state, 'running', 'container.state running');
      t.equal(web?.container?.id, id.slice(0, 12), "container.id is podman's");
      t.equal(web?.container?.name, 'web');
      t.same(web?.image, { ref: IMAGE, present: true }, 'image present');
      t.ok(web?.uptime !== undefined && web.uptime >= 0 && web.uptime < 600, `uptime ${web?.uptime}`);

      const plain = await cli(tb, 'status');
      t.equal(plain.exitCode, 0, 'plain status exits 0');
      t.match(
        plain.stdout,
        new RegExp(
          `^pod:web\\s+ok\\s+running\\s+\\S+\\s+running\\s+${id.slice(0, 12)}\\s+present\\s+\\d+[smhd]\\s+-$`,
          'm',
        ),
        'plain status: one row with every column',
      );
      const typo = await cli(tb, 'status', '--json', 'web', 'wbe');
      t.equal(typo.exitCode, 1, 'status web wbe: exit 1, wbe is no unit');
      t.match(typo.stderr, /no unit "wbe" in \/cfg\/containers/, 'stderr names it');
      t.same(
        (JSON.parse(typo.stdout) as StatusView).units.map((u) => u.name),
        ['web'],
        'the view has the units that exist',
      );
      t.equal((await cli(tb, 'status', 'web.container')).exitCode, 0, 'a unit file name is a NAME too');

      const doc = await cli(tb, 'doctor');
      t.equal(doc.exitCode, 0, 'doctor exits 0');
      t.equal(doc.stdout, 'every pod is running', 'doctor: every pod is running');
    });

    t.test('show NAME: the printed command, pasted into a shell, starts the same container', async (t) => {
      const inspect = async () =>
        (
          await tb.podman(
            'inspect',
            '--format',
            '{{.ImageName}}|{{json .Config.Cmd}}|{{json .HostConfig.PortBindings}}',
            'web',
          )
        ).stdout.trim();
      const byFinit = await inspect();
      const r = await cli(tb, 'show', 'web');
      t.equal(r.exitCode, 0, 'show exits 0');
      t.match(r.stdout, /^== unit \/cfg\/containers\/web\.container/m, 'the unit');
      t.match(r.stdout, /^Exec=httpd -f -p 8080 -h \/www$/m, 'the merged unit has its keys');
      t.match(r.stdout, /^== stanza \/etc\/finit\.d\/enabled\/pod-web\.conf$/m, 'the stanza on disk');
      t.match(r.stdout, /^service \[2345\] <usr\/finit-pods> name:pod :web /m, 'the service line');
      const m = /^== to try it by hand \(detached; stop it with: (.+)\)\n(.+)$/m.exec(r.stdout);
      t.ok(m, 'a command to try it by hand');
      if (!m) return;
      const [, stopCmd, cmd] = m as unknown as [string, string, string];
      t.match(cmd, /\brun -d\b/, 'detached');
      t.match(cmd, IMAGE, 'the image');
      t.match(cmd, '--publish 8080:8080', 'the published port');

      await stopPod(tb, 'web');
      t.equal(
        (await tb.httpGet(8080, '/', { timeout: 2_000 })).status,
        0,
        'nothing answers with the pod stopped',
      );
      const pasted = await tb.sh(cmd, { reject: false, timeout: 60_000 });
      t.equal(pasted.exitCode, 0, `the pasted command exits 0 ${pasted.stderr}`);
      t.match(pasted.stdout.trim(), /^[0-9a-f]{64}$/, 'and prints the new container ID');
      t.match(await tb.waitHttp(8080, '/', HELLO), HELLO, 'it answers HTTP on the published port');
      t.equal(await inspect(), byFinit, 'same image, command and port bindings as the pod Finit ran');

      const stopped = await tb.sh(stopCmd, { reject: false, timeout: 60_000 });
      t.equal(stopped.exitCode, 0, `"${stopCmd}" removes it`);
      await waitGone(tb, 'web');
      await tb.initctl('start', 'pod:web');
      await tb.waitForStatus('pod:web', 'running');
      await tb.waitHttp(8080, '/', HELLO);
    });

    t.test(
      'the podman-service crash: doctor names the lingering container, --fix brings the pod back',
      async (t) => {
        await stopPod(tb, 'web');
        const created = await tb.podman('create', '--name', 'web', IMAGE, 'sleep', '100000');
        const id = created.stdout.trim().slice(0, 12);
        t.match(id, /^[0-9a-f]{12}$/, `podman create --name web by hand: ${id}`);
        await startUntilCrashed(tb, 'web');
        t.pass('initctl start pod:web: crashed');

        const st = await status(tb, 'web');
        t.equal(st.exitCode, 1, 'status exits 1');
        t.same(st.errors, [], 'status --json is valid by docs/status.schema.json');
        const web = st.view.units[0];
        t.equal(st.view.units.length, 1, 'status web: only web');
        t.equal(web?.finit?.status, 'crashed', 'finit.status crashed');
        if (finitAtLeast(tb.info, '4.4'))
          t.ok((web?.finit?.restarts ?? 0) > 0, `restarts ${web?.finit?.restarts}`);
        t.equal(web?.container?.id, id, 'container.id: the lingering one');
        t.equal(web?.container?.state, 'created', 'container.state created');
        t.notOk(web?.uptime, 'no uptime');
        t.equal(web?.healthy, false, 'not healthy');
        t.match(web?.problem, /crashed/, `problem: ${web?.problem}`);
        const plain = await cli(tb, 'status');
        t.equal(plain.exitCode, 1, 'plain status exits 1');
        t.match(
          plain.stdout,
          new RegExp(`^pod:web\\s+ok\\s+crashed\\s+\\S+\\s+created\\s+${id}`, 'm'),
          'row',
        );

        const doc = await cli(tb, 'doctor');
        t.equal(doc.exitCode, 1, 'doctor exits 1');
        t.match(
          doc.stdout,
          `pod:web: name "web" is held by a lingering container ${id} (created)`,
          'doctor names the cause and the container ID',
        );
        t.match(doc.stdout, `fix: remove container ${id}`, 'and the remedy');
        t.equal(await containersNamed(tb, 'web'), `${id} created`, 'doctor without --fix changes nothing');

        const fix = await cli(tb, 'doctor', '--fix');
        t.equal(fix.exitCode, 0, `doctor --fix exits 0 ${fix.stdout}${fix.stderr}`);
        t.match(fix.stdout, `fixed: removed ${id}; initctl restart pod:web`, 'says what it did');
        const newId = await tb.waitNewContainer('web', id);
        t.not(newId.slice(0, 12), id, 'pod:web runs in a new container');
        await tb.waitForStatus('pod:web', 'running');
        await tb.waitHttp(8080, '/', HELLO);
        const after = await waitHealthy(tb);
        t.same(after.errors, [], 'valid');
        t.equal(
          after.view.units.find((u) => u.name === 'web')?.healthy,
          true,
          'status: web healthy (exit 0)',
        );
        t.equal(
          after.view.units.find((u) => u.name === 'web')?.container?.id,
          newId.slice(0, 12),
          'the new one',
        );
      },
    );

    t.test('doctor: a port taken by another process is named; the pod runs once it is free', async (t) => {
      await stopPod(tb, 'web');
      // a second httpd started by hand, listening on the pod's published port
      const bg = await tb.sh('busybox httpd -f -p 8080 -h /tmp </dev/null >/dev/null 2>&1 & echo $!');
      const blocker = Number(bg.stdout.trim());
      t.ok(blocker > 1, `busybox httpd on 8080 by hand: pid ${blocker}`);
      await tb.waitFor(() => listening(tb, 8080), { message: 'busybox httpd listens on 8080' });
      await startUntilCrashed(tb, 'web');
      t.pass('pod:web crashed');

      const doc = await cli(tb, 'doctor');
      t.equal(doc.exitCode, 1, 'doctor exits 1');
      t.match(
        doc.stdout,
        /^pod:web: port 8080 is already taken\b/m,
        `the reason names the port: ${doc.stdout}`,
      );
      const fix = await cli(tb, 'doctor', '--fix');
      t.equal(fix.exitCode, 1, 'doctor --fix exits 1: nothing safe to do');
      t.match(fix.stdout, /^pod:web: port 8080 is already taken\b/m, 'the same reason');
      t.equal(
        (await tb.exec(['kill', '-0', String(blocker)], { reject: false })).exitCode,
        0,
        'the other process is left alone',
      );

      await tb.exec(['kill', String(blocker)]);
      await tb.waitFor(
        async () => (await tb.exec(['kill', '-0', String(blocker)], { reject: false })).exitCode !== 0,
        {
          message: `pid ${blocker} gone`,
        },
      );
      const again = await cli(tb, 'doctor', '--fix');
      t.equal(again.exitCode, 0, `with the port free, doctor --fix exits 0 ${again.stdout}`);
      t.match(again.stdout, /fixed: initctl restart pod:web/, 'and restarts the pod');
      await tb.waitForStatus('pod:web', 'running');
      await tb.waitHttp(8080, '/', HELLO);
      t.pass('pod:web answers HTTP again');
    });

    t.test('doctor --fix never touches a running container finit-pods does not own', async (t) => {
      await stopPod(tb, 'web');
      const run = await tb.podman('run', '-d', '--name', 'web', IMAGE, 'sleep', '100000');
      const id = run.stdout.trim().slice(0, 12);
      await startUntilCrashed(tb, 'web');

      const st = await status(tb, 'web');
      t.same(st.errors, [], 'status --json is valid');
      t.equal(st.view.units[0]?.finit?.status, 'crashed', 'finit.status crashed');
      t.equal(st.view.units[0]?.container?.id, id, 'container: the one started by hand');
      t.equal(st.view.units[0]?.container?.state, 'running', 'which runs');
      t.equal(st.view.units[0]?.healthy, false, 'pod:web is not healthy');

      const doc = await cli(tb, 'doctor');
      t.equal(doc.exitCode, 1, 'doctor exits 1');
      t.match(
        doc.stdout,
        `pod:web: name "web" is held by a running container ${id} that finit-pods did not start; it is left alone`,
        'doctor says who holds the name',
      );
      t.notMatch(doc.stdout, /fix:/, 'and offers no fix');
      const fix = await cli(tb, 'doctor', '--fix');
      t.equal(fix.exitCode, 1, 'doctor --fix exits 1');
      t.notMatch(fix.stdout, /fixed:/, 'nothing was done');
      t.equal(await containersNamed(tb, 'web'), `${id} running`, 'the same container, still running');
      t.equal(await tb.serviceStatus('pod:web'), 'crashed', 'pod:web not restarted');

      await tb.podman('rm', '-f', '-t', '0', 'web');
      await tb.initctl('restart', 'pod:web');
      await tb.waitForStatus('pod:web', 'running');
      await tb.waitHttp(8080, '/', HELLO);
    });

    t.test('doctor: a missing network is named; --fix recreates it and the pod runs', async (t) => {
      await tb.writeUnit('app.network', '[Network]\n');
      await tb.writeUnit(
        'net.container',
        `[Container]\nImage=${IMAGE}\nExec=httpd -f -p 8081 -h /www\nNetwork=app.network\nPublishPort=8081:8081\nStopTimeout=1\n`,
      );
      const s = await sync(tb);
      t.equal(s.exitCode, 0, `sync exits 0 ${s.stderr}`);
      await tb.waitForStatus('pod:net', 'running');
      await tb.waitHttp(8081, '/', HELLO);
      await stopPod(tb, 'net');
      await tb.podman('network', 'rm', 'app');
      t.notMatch(
        (await tb.podman('network', 'ls', '--format', '{{.Name}}')).stdout,
        /^app$/m,
        'network app is gone',
      );

      const st = await status(tb, 'net', 'app.network');
      t.same(st.errors, [], 'status --json is valid');
      t.equal(st.view.units.find((u) => u.name === 'net')?.finit?.status, 'stopped', 'pod:net stopped');
      const doc = await cli(tb, 'doctor');
      t.equal(doc.exitCode, 1, 'doctor exits 1');
      t.match(doc.stdout, /^pod:net: network app is missing$/m, 'doctor says the network is missing');
      t.match(doc.stdout, /fix: recreate it/, 'and that --fix recreates it');

      const fix = await cli(tb, 'doctor', '--fix');
      t.equal(fix.exitCode, 0, `doctor --fix exits 0 ${fix.stdout}${fix.stderr}`);
      t.match(fix.stdout, /fixed: .*initctl restart pod:net/, 'and restarts the pod');
      t.match(
        (await tb.podman('network', 'ls', '--format', '{{.Name}}')).stdout,
        /^app$/m,
        'network app is back',
      );
      await tb.waitForStatus('pod:net', 'running');
      await tb.waitHttp(8081, '/', HELLO);
      t.pass('pod:net answers HTTP again');
      t.match(
        (await tb.podman('inspect', '--format', '{{json .NetworkSettings.Networks}}', 'net')).stdout,
        '"app"',
        'on network app',
      );

      await tb.removeUnit('net.container');
      await tb.removeUnit('app.network');
      t.equal((await sync(tb)).exitCode, 0, 'sync without them exits 0');
      await waitGone(tb, 'net');
    });

    t.test(
      'doctor: a container of ours whose unit is gone is named; --fix stops and removes it',
      async (t) => {
        // What a runner leaves behind when Finit gives up on its stop (SIGKILL after the kill
        // delay) after the unit was removed: made here by hand, with finit-pods' labels.
        const run = await tb.podman(
          'run',
          '-d',
          '--name',
          'left',
          '--label',
          'io.finit-pods.managed=true',
          '--label',
          'io.finit-pods.pod=left',
          IMAGE,
          'sh',
          '-c',
          'trap "exit 0" TERM; while :; do sleep 1; done',
        );
        const id = run.stdout.trim().slice(0, 12);
        t.match(id, /^[0-9a-f]{12}$/, `left behind: ${id}`);

        const doc = await cli(tb, 'doctor');
        t.equal(doc.exitCode, 1, 'doctor exits 1');
        t.match(
          doc.stdout,
          `pod:left: container ${id} (running) was started by finit-pods, but no unit defines pod:left any more`,
          'doctor names it',
        );
        t.match(doc.stdout, `fix: stop and remove container ${id}`, 'and the remedy');
        t.equal(await containersNamed(tb, 'left'), `${id} running`, 'doctor without --fix changes nothing');

        const fix = await cli(tb, 'doctor', '--fix');
        t.equal(fix.exitCode, 0, `doctor --fix exits 0 ${fix.stdout}${fix.stderr}`);
        t.match(fix.stdout, `fixed: stopped and removed ${id}`, 'says what it did');
        t.equal(await containersNamed(tb, 'left'), '', 'no container named left (podman ps -a)');
        const after = await cli(tb, 'doctor');
        t.equal(after.exitCode, 0, `doctor exits 0 again ${after.stdout}`);
      },
    );

    t.test('status --json: image missing and unit invalid', async (t) => {
      await tb.writeUnit('noimg.container', '[Container]\nImage=localhost/nothere:latest\nExec=sleep 1000\n');
      // the typo is on line 5
      await tb.writeUnit('bad.container', webUnit.replace('Image=', 'Imgae=').replace('8080', '8082'));
      const s = await sync(tb);
      t.equal(s.exitCode, 1, 'sync exits 1');

      const st = await status(tb);
      t.equal(st.exitCode, 1, 'status exits 1');
      t.same(st.errors, [], 'status --json is valid by docs/status.schema.json');
      t.equal(st.view.healthy, false, 'not healthy');
      const noimg = st.view.units.find((u) => u.name === 'noimg');
      t.same(noimg?.image, { ref: 'localhost/nothere:latest', present: false }, 'image.present false');
      t.equal(noimg?.unit.state, 'ok', 'the unit itself is fine');
      t.match(noimg?.problem, /^image missing: localhost\/nothere:latest/, `problem: ${noimg?.problem}`);
      t.notOk(noimg?.finit, 'no stanza: Finit does not know it');
      const bad = st.view.units.find((u) => u.name === 'bad');
      t.equal(bad?.unit.state, 'error', "unit.state 'error'");
      t.ok(
        bad?.unit.messages.some(
          (m) => m.startsWith('/cfg/containers/bad.container:5: error: ') && /Imgae/.test(m),
        ),
        `a FILE:LINE message: ${bad?.unit.messages.join(' | ')}`,
      );
      t.match(bad?.problem, /^unit invalid: \/cfg\/containers\/bad\.container:5: error: /, 'problem');
      t.equal(st.view.units.find((u) => u.name === 'web')?.healthy, true, 'web is still healthy');

      const plain = await cli(tb, 'status');
      t.match(plain.stdout, /^pod:noimg\s+ok\s+-\s+-\s+-\s+-\s+missing\s+-\s+-$/m, 'plain: image missing');
      t.match(plain.stdout, /^pod:bad\s+error\s/m, 'plain: unit error');
      t.match(
        plain.stdout,
        /^pod:bad: unit invalid: \/cfg\/containers\/bad\.container:5: error: /m,
        'FILE:LINE',
      );
      const doc = await cli(tb, 'doctor');
      t.match(doc.stdout, /^pod:noimg: image missing: localhost\/nothere:latest$/m, 'doctor: image missing');
      t.match(
        doc.stdout,
        /^pod:bad: unit invalid: \/cfg\/containers\/bad\.container:5: /m,
        'doctor: FILE:LINE',
      );

      await tb.removeUnit('noimg.container');
      await tb.removeUnit('bad.container');
      t.equal((await sync(tb)).exitCode, 0, 'sync without them exits 0');
    });

    t.test(
      'after a power cut: waiting for usr/finit-pods until doctor --fix runs boot recovery',
      async (t) => {
        t.ok(
          existsSync(path.join(tb.finitDir, 'enabled', 'pod-web.conf')),
          'pod-web.conf from the last boot',
        );
        await tb.powerCut();
        await tb.start();
        // Finit loads pod-web.conf at boot, but the pod waits for usr/finit-pods (/run is a tmpfs)
        await tb.waitForStatus('pod:web', ['ready', 'waiting']);
        const st = await status(tb);
        t.equal(st.exitCode, 1, 'status exits 1');
        t.same(st.errors, [], 'status --json is valid by docs/status.schema.json');
        t.equal(st.view.ready, false, 'ready false');
        const web = st.view.units.find((u) => u.name === 'web');
        t.match(web?.finit?.status, /^(ready|waiting)$/, `finit.status ${web?.finit?.status}`);
        t.equal(web?.healthy, false, 'web not healthy');
        t.match(web?.problem, /^waiting for the condition usr\/finit-pods/, 'problem: the condition');
        const plain = await cli(tb, 'status');
        t.match(
          plain.stdout,
          /^note: usr\/finit-pods is not set, so no pod may start yet$/m,
          'plain: the note',
        );

        const doc = await cli(tb, 'doctor');
        t.equal(doc.exitCode, 1, 'doctor exits 1');
        t.match(
          doc.stdout,
          /^pod:web: pods are held back: the condition usr\/finit-pods is not set$/m,
          'the reason',
        );
        const fix = await cli(tb, 'doctor', '--fix');
        t.equal(fix.exitCode, 0, `doctor --fix exits 0 ${fix.stdout}${fix.stderr}`);
        t.match(
          fix.stdout,
          /^ {4}fixed: boot recovery: .*usr\/finit-pods set$/m,
          `says what it did: ${fix.stdout}`,
        );
        await tb.waitForStatus('pod:web', 'running');
        await tb.waitHttp(8080, '/', HELLO);
        t.match(await containersNamed(tb, 'web'), /^[0-9a-f]{12} running$/, 'one container web, running');
        const after = await waitHealthy(tb);
        t.same(after.errors, [], 'valid');
        t.equal(after.view.ready, true, 'ready true');
        t.ok(await tb.readInside('/run/finit-pods/booted'), 'boot recovery ran: /run/finit-pods/booted');
      },
    );
  });
}
